import type { AuditLog } from "../audit/audit-log.js";
import type { Principal } from "../auth/principal.js";
import type { TokenService } from "../auth/token-service.js";
import type { BuildLimits } from "../docker/build-policy.js";
import type { PolicyDefaults } from "../docker/create-policy.js";
import type { HostRegistry } from "../hosts/host-registry.js";
import type { IdempotencyKeys } from "../idempotency/idempotency-keys.js";
import type { ConcurrencyLimiter } from "../limits/concurrency-limiter.js";
import type { Logger } from "../logging/logger.js";
import type { RegistryCredentials } from "../registries/registry-credentials.js";
import type { RunService } from "../runs/run-service.js";
import type { Store } from "../store/ports/store.js";
import type { StreamMode } from "./streams.js";

/** What every operation can reach; built once by the entry point (or a test) and handed to each channel. */
export type Services = {
  hosts: HostRegistry;
  logger: Logger;
  store: Store;
  tokens: TokenService;
  audit: AuditLog;
  registries: RegistryCredentials;
  /** Limits every container gets when its spec sets none. */
  containerDefaults: PolicyDefaults;
  /** Limits every build's `RUN` steps get. */
  buildLimits: BuildLimits;
  limits: ConcurrencyLimiter;
  idempotency: IdempotencyKeys;
  runs: RunService;
  /**
   * Aborted once the process has begun to stop (SIGTERM): /readyz answers 503 and open streams end, while calls
   * in flight get the grace period to finish.
   */
  stopping: AbortSignal;
  /** The address clients reach portcall at, when set (PORTCALL_PUBLIC_URL): links and metadata name it. */
  publicUrl?: string | undefined;
};

/** What the audit entry of a call names besides who called: the operation, and the host and object it acted on. */
export type AuditRecord = { operationId: string; host: string | null; target: string | null };

/** What a public operation (a probe, the key set) gets: no caller, since none has to be named. */
export type PublicContext = {
  services: Services;
  /** Ends when the caller goes away: work that must not outlive it listens to it. */
  signal: AbortSignal;
  requestId: string;
  /** Filled in as the operation learns what it acts on; the channel writes it to the audit log. */
  audit: AuditRecord;
  /** How the caller takes a streamed operation's answer; undefined: one result at the end. */
  stream?: StreamMode;
  /** Set when the answer is one kept for an Idempotency-Key: the channel tells the caller it was replayed. */
  replayed?: boolean;
  /**
   * Where long work says how far it got, when the caller listens (an MCP client that sent a progress token);
   * resolves once the note is sent. Streamed operations report through their feed instead.
   */
  progress?: (message: string) => Promise<void>;
};

/** What a protected operation gets: its caller, already authenticated and holding the operation's scope. */
export type CallContext = PublicContext & { principal: Principal };

/** The part of a call's context that host grants, limits and idempotency keys read. */
export type Caller = Pick<CallContext, "principal" | "services">;
