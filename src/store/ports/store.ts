import type { AuditStore } from "./audit.js";
import type { HostStore } from "./hosts.js";
import type { IdempotencyStore } from "./idempotency.js";
import type { MetaStore } from "./meta.js";
import type { RegistryStore } from "./registries.js";
import type { RunStore } from "./runs.js";
import type { TokenStore } from "./tokens.js";

/**
 * Everything portcall keeps, one port per aggregate. The services see only these interfaces: an
 * implementation (SQLite in `../sqlite/`) owns its SQL, its error codes and how it encodes values.
 */
export interface Store {
  hosts: HostStore;
  tokens: TokenStore;
  audit: AuditStore;
  runs: RunStore;
  idempotency: IdempotencyStore;
  registries: RegistryStore;
  meta: MetaStore;
  /** Throws when the store cannot be read or written, for /readyz. */
  check(): Promise<void>;
  close(): Promise<void>;
}
