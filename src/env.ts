import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AuditLog } from "./audit/audit-log.js";
import type { Principal } from "./auth/principal.js";
import type { TokenService } from "./auth/token-service.js";
import type { BuildLimits } from "./docker/build-policy.js";
import type { PolicyDefaults } from "./docker/create-policy.js";
import type { HostRegistry } from "./hosts/host-registry.js";
import type { IdempotencyKeys } from "./idempotency/idempotency-keys.js";
import type { ConcurrencyLimiter } from "./limits/concurrency-limiter.js";
import type { Logger } from "./logging/logger.js";
import type { RegistryCredentials } from "./registries/registry-credentials.js";
import type { RunService } from "./runs/run-service.js";
import type { Store } from "./store/database.js";

/** What every handler can reach; built once by the entry point (or a test) and handed to `createApp`. */
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
};

/** What the operation's own middleware learnt about the request, for the audit trail. */
export type AuditContext = { operationId: string; host: string | null; target: string | null };

export type AppEnv = {
  Variables: {
    requestId: string;
    services: Services;
    /** Set by `authenticate` on every protected operation; absent on public routes. */
    principal?: Principal;
    audit?: AuditContext;
    /** The error code of a failed request, for the audit trail. */
    problem?: { code: string; detail: string };
  };
};

export type App = OpenAPIHono<AppEnv>;
