import { loadSigningKey } from "../auth/signing-key.js";
import { type Config, loadConfig } from "../config.js";
import type { Logger } from "../logging/logger.js";
import { SecretBox } from "../secrets/secret-box.js";
import { assembleServices, configuredParts, type RunningServices, syncHostsFile } from "../services.js";
import { openStore } from "../store/open-store.js";
import { FunctionSetupError } from "./setup-error.js";

/**
 * A function has no disk of its own that outlives it, and its instances come and go in parallel: its state
 * (tokens and their revocations, runs, the audit log) must be somewhere every instance reaches. PostgreSQL
 * is that; an explicitly given data folder (a mounted file system) holds SQLite for a single instance.
 * Keys are never generated here: a key one instance made would be unknown to every other.
 */
function missingPieces(config: Config, env: Record<string, string | undefined>): string[] {
  const missing: string[] = [];
  if (!config.databaseUrl && !env.PORTCALL_DATA_DIR) {
    missing.push(
      "PORTCALL_DATABASE_URL (the PostgreSQL database its instances share; or PORTCALL_DATA_DIR, a mounted " +
        "writable folder, for SQLite)",
    );
  }
  if (!config.secretKey) {
    missing.push("PORTCALL_SECRET_KEY (32 random bytes in base64url: it seals the hosts' keys at rest)");
  }
  if (!config.signingKeyPem && !config.signingKeyFile) {
    missing.push(
      "PORTCALL_SIGNING_KEY (the PEM of an Ed25519 private key: openssl genpkey -algorithm ed25519) or " +
        "PORTCALL_SIGNING_KEY_FILE (a file holding it)",
    );
  }
  return missing;
}

export type FunctionServices = { services: RunningServices; config: Config };

/**
 * The services of one function instance, from its environment: nothing is written to local disk, no timer is
 * started (an instance is frozen between invocations), and no local Docker daemon is looked for. Hosts come
 * from the store and from PORTCALL_HOSTS_FILE.
 */
export async function createFunctionServices(
  env: Record<string, string | undefined>,
  logger: (config: Config) => Logger,
): Promise<FunctionServices> {
  const config = loadConfig(env);
  const missing = missingPieces(config, env);
  if (missing.length > 0) {
    throw new FunctionSetupError(
      `portcall runs as a function here and keeps nothing on local disk; set ${missing.join("; and ")}.`,
    );
  }
  // The keys first: a key that cannot be read leaves no store connection open behind it.
  const secrets = await SecretBox.load({ dataDir: config.dataDir, secretKey: config.secretKey });
  const signingKey = await loadSigningKey({
    dataDir: config.dataDir,
    keyFile: config.signingKeyFile,
    pem: config.signingKeyPem,
  });
  const store = await openStore(config.dataDir, config.databaseUrl, {
    maxConnections: 2,
    tokenChanges: false,
  });
  try {
    const services = assembleServices({
      store,
      secrets,
      signingKey,
      logger: logger(config),
      ...configuredParts(config),
    });
    await services.hosts.load();
    if (config.hostsFile) await syncHostsFile(config.hostsFile, services.hosts);
    return { services, config };
  } catch (error) {
    await store.close();
    throw error;
  }
}
