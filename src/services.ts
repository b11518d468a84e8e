import { setMaxListeners } from "node:events";
import { existsSync } from "node:fs";
import { AuditLog, type AuditOptions, DEFAULT_AUDIT_OPTIONS } from "./audit/audit-log.js";
import { OidcVerifier } from "./auth/oidc.js";
import { loadSigningKey, type SigningKey } from "./auth/signing-key.js";
import { TokenService, type TokenServiceOptions } from "./auth/token-service.js";
import type { Config } from "./config.js";
import type { BuildLimits } from "./docker/build-policy.js";
import type { PolicyDefaults } from "./docker/create-policy.js";
import { DockerHost } from "./docker/docker-host.js";
import type { Services } from "./env.js";
import { ApiError } from "./errors/api-error.js";
import { HostRegistry, type HostRegistryOptions } from "./hosts/host-registry.js";
import { HostsFileError, readHostsFile } from "./hosts/hosts-file.js";
import { IdempotencyKeys } from "./idempotency/idempotency-keys.js";
import { ConcurrencyLimiter, type ConcurrencyLimits } from "./limits/concurrency-limiter.js";
import type { Logger } from "./logging/logger.js";
import { RegistryCredentials } from "./registries/registry-credentials.js";
import { RunService } from "./runs/run-service.js";
import { SecretBox } from "./secrets/secret-box.js";
import { openStore } from "./store/open-store.js";
import type { MetaStore } from "./store/ports/meta.js";
import type { Store } from "./store/ports/store.js";

const BOOTSTRAPPED = "bootstrapped_at";

/** The hosts file is authoritative for its hosts: added, changed and removed to match it at every start. */
export async function syncHostsFile(path: string, hosts: HostRegistry): Promise<void> {
  const file = await readHostsFile(path);
  const wanted = new Set(file.hosts.map((host) => host.id));
  for (const entry of file.hosts) {
    const existing = hosts.list().find((record) => record.id === entry.id);
    if (existing?.source === "api") {
      throw new HostsFileError(
        `PORTCALL_HOSTS_FILE names host "${entry.id}", which was registered through the API; remove one of them`,
      );
    }
    const { id, ...fields } = entry;
    if (!existing) {
      try {
        await hosts.create(entry, "file");
        continue;
      } catch (error) {
        // Another instance starting at the same moment registered it first: bring it in line as below.
        if (!(error instanceof ApiError) || error.code !== "host_exists") throw error;
        await hosts.refresh();
      }
    }
    // Unchanged entries change nothing (no write, no reconnect on other instances): `update` compares first.
    await hosts.update(id, fields, { allowFileHosts: true });
  }
  for (const record of hosts.list()) {
    if (record.source === "file" && !wanted.has(record.id))
      await hosts.remove(record.id, { allowFileHosts: true });
  }
}

/**
 * On the very first start only: an empty registry gets the local daemon as `local`, when one answers. Not beside
 * a hosts file: the file declares the fleet, and its entries often name this very socket; a second host on the
 * same daemon would list every container twice.
 */
async function bootstrapLocalHost(config: Config, hosts: HostRegistry, meta: MetaStore, logger: Logger) {
  if (!(await meta.setIfAbsent(BOOTSTRAPPED, new Date().toISOString()))) return;
  if (config.hostsFile) {
    logger.info("hosts come from PORTCALL_HOSTS_FILE: the local Docker socket is not registered as `local`", {
      hostsFile: config.hostsFile,
    });
    return;
  }
  if (hosts.list().length > 0) return;
  const socketPath = config.localDockerSocket;
  if (!existsSync(socketPath)) {
    logger.warn("no local Docker socket; no host registered", { socket: socketPath });
    return;
  }
  const probe = await DockerHost.connect({
    id: "local",
    connection: { transport: "unix", socketPath },
    callTimeoutMs: config.probeTimeoutMs,
  });
  const health = await probe.probe();
  await probe.close();
  if (!health.reachable && !config.localDockerSocketExplicit) {
    logger.warn("the local Docker daemon does not answer; no host registered", { error: health.error });
    return;
  }
  await hosts.create({ id: "local", url: `unix://${socketPath}` });
}

export type RunningServices = Services & {
  /** Begins to stop: aborts `stopping`. */
  drain(): void;
  close(): Promise<void>;
};

/** What the services are built over: opened resources and settings. */
export type ServiceParts = {
  store: Store;
  secrets: SecretBox;
  signingKey: SigningKey;
  logger: Logger;
  hostOptions: HostRegistryOptions;
  tokenOptions: TokenServiceOptions;
  oidc?: OidcVerifier | undefined;
  containerDefaults: PolicyDefaults;
  buildLimits: BuildLimits;
  limits: ConcurrencyLimits;
  runMaxWaitSeconds: number;
  audit?: Partial<AuditOptions> | undefined;
  publicUrl?: string | undefined;
};

/** Wires the services together over resources already opened; no I/O. Tests build theirs through it too. */
export function assembleServices(parts: ServiceParts): RunningServices {
  const { store, secrets, logger } = parts;
  const hosts = new HostRegistry(store.hosts, secrets, parts.hostOptions, logger);
  const tokens = new TokenService(store.tokens, parts.signingKey, parts.tokenOptions, parts.oidc);
  const limits = new ConcurrencyLimiter(parts.limits);
  const audit = new AuditLog(store.audit, logger, { ...DEFAULT_AUDIT_OPTIONS, ...parts.audit });
  const stopping = new AbortController();
  // Every open stream listens to it (one listener each, removed when it ends): no bound to warn about.
  setMaxListeners(0, stopping.signal);
  const runs = new RunService(
    store.runs,
    hosts,
    limits,
    parts.containerDefaults,
    logger,
    parts.runMaxWaitSeconds,
  );
  return {
    hosts,
    logger,
    store,
    tokens,
    audit,
    containerDefaults: parts.containerDefaults,
    buildLimits: parts.buildLimits,
    limits,
    runs,
    idempotency: new IdempotencyKeys(store.idempotency, {}, logger),
    registries: new RegistryCredentials(store.registries, secrets),
    publicUrl: parts.publicUrl,
    stopping: stopping.signal,
    drain: () => stopping.abort(),
    close: async () => {
      // Watchers first: they stop waiting while their hosts' connections are still there to end cleanly.
      await runs.close();
      await hosts.close();
      await tokens.close();
      await audit.close();
      await store.close();
    },
  };
}

/**
 * Everything the app needs, built from the configuration; the only place that does start-up I/O. A command of
 * the CLI asks for no `tokenChanges`: it answers no requests, so it has no use for a feed of token changes.
 */
export async function createServices(
  config: Config,
  logger: Logger,
  options: { tokenChanges?: boolean } = {},
): Promise<RunningServices> {
  const store = await openStore(config.dataDir, config.databaseUrl, options);
  const services = assembleServices({
    store,
    secrets: await SecretBox.load({ dataDir: config.dataDir, secretKey: config.secretKey }),
    signingKey: await loadSigningKey({
      dataDir: config.dataDir,
      keyFile: config.signingKeyFile,
      pem: config.signingKeyPem,
    }),
    logger,
    ...configuredParts(config),
  });
  await services.hosts.load();
  if (config.hostsFile) await syncHostsFile(config.hostsFile, services.hosts);
  await bootstrapLocalHost(config, services.hosts, store.meta, logger);
  return services;
}

/** The parts of the services that come from the configuration alone: settings, nothing opened. */
export function configuredParts(
  config: Config,
): Omit<ServiceParts, "store" | "secrets" | "signingKey" | "logger"> {
  return {
    hostOptions: {
      callTimeoutMs: config.dockerTimeoutMs,
      probeTimeoutMs: config.probeTimeoutMs,
      failureThreshold: config.hostFailureThreshold,
      retryIntervalMs: config.probeIntervalMs,
      tokenHostAllow: config.hostAllow,
    },
    tokenOptions: {
      issuer: config.tokenIssuer,
      audience: config.tokenAudience,
      maxTtlSeconds: config.tokenMaxTtlSeconds,
    },
    oidc: config.oidc ? new OidcVerifier(config.oidc) : undefined,
    containerDefaults: config.containerDefaults,
    buildLimits: config.buildLimits,
    limits: config.limits,
    runMaxWaitSeconds: config.runMaxWaitSeconds,
    audit: { retentionDays: config.auditRetentionDays },
    publicUrl: config.publicUrl,
  };
}
