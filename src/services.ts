import { existsSync } from "node:fs";
import { AuditLog } from "./audit/audit-log.js";
import { OidcVerifier } from "./auth/oidc.js";
import { loadSigningKey } from "./auth/signing-key.js";
import { TokenService } from "./auth/token-service.js";
import type { Config } from "./config.js";
import { DockerHost } from "./docker/docker-host.js";
import type { Services } from "./env.js";
import { HostRegistry } from "./hosts/host-registry.js";
import { HostRepository } from "./hosts/host-repository.js";
import { HostsFileError, readHostsFile } from "./hosts/hosts-file.js";
import type { Logger } from "./logging/logger.js";
import { RegistryCredentials } from "./registries/registry-credentials.js";
import { SecretBox } from "./secrets/secret-box.js";
import { openStore } from "./store/database.js";

const BOOTSTRAPPED = "bootstrapped_at";

/** The hosts file is authoritative for its hosts: added, changed and removed to match it at every start. */
async function syncHostsFile(path: string, hosts: HostRegistry): Promise<void> {
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
    if (existing) await hosts.update(id, fields, { allowFileHosts: true });
    else await hosts.create(entry, "file");
  }
  for (const record of hosts.list()) {
    if (record.source === "file" && !wanted.has(record.id))
      await hosts.remove(record.id, { allowFileHosts: true });
  }
}

/** On the very first start only: an empty registry gets the local daemon as `local`, when one answers. */
async function bootstrapLocalHost(
  config: Config,
  hosts: HostRegistry,
  repository: HostRepository,
  logger: Logger,
) {
  if (await repository.getMeta(BOOTSTRAPPED)) return;
  await repository.setMeta(BOOTSTRAPPED, new Date().toISOString());
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

/** Everything the app needs, built from the configuration; the only place that does start-up I/O. */
export async function createServices(
  config: Config,
  logger: Logger,
): Promise<Services & { close(): Promise<void> }> {
  const store = await openStore(config.dataDir);
  const secrets = await SecretBox.load({ dataDir: config.dataDir, secretKey: config.secretKey });
  const repository = new HostRepository(store.db);
  const hosts = new HostRegistry(
    repository,
    secrets,
    {
      callTimeoutMs: config.dockerTimeoutMs,
      probeTimeoutMs: config.probeTimeoutMs,
      failureThreshold: config.hostFailureThreshold,
      retryIntervalMs: config.probeIntervalMs,
    },
    logger,
  );
  await hosts.load();
  if (config.hostsFile) await syncHostsFile(config.hostsFile, hosts);
  await bootstrapLocalHost(config, hosts, repository, logger);
  const signingKey = await loadSigningKey({ dataDir: config.dataDir, keyFile: config.signingKeyFile });
  const tokens = new TokenService(
    store.db,
    signingKey,
    { issuer: config.tokenIssuer, audience: config.tokenAudience, maxTtlSeconds: config.tokenMaxTtlSeconds },
    config.oidc ? new OidcVerifier(config.oidc) : undefined,
  );
  return {
    hosts,
    logger,
    store,
    tokens,
    audit: new AuditLog(store.db, logger),
    containerDefaults: config.containerDefaults,
    registries: new RegistryCredentials(store.db, secrets),
    close: async () => {
      await hosts.close();
      await tokens.close();
      await store.close();
    },
  };
}
