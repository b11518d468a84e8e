import type { Generated } from "kysely";
import type { AuditTable, MetaTable, RegistriesTable, TokenAncestorsTable } from "../kysely-shared/tables.js";

/**
 * Tables of the SQLite store, as Kysely sees them. SQLite has no JSON or boolean type: JSON columns hold text
 * and flags are 0 or 1 (see `columns.ts`); nothing outside this folder sees either.
 */
export type SqliteSchema = {
  meta: MetaTable;
  hosts: HostsTable;
  tokens: TokensTable;
  token_ancestors: TokenAncestorsTable;
  audit: AuditTable;
  registries: RegistriesTable;
  runs: RunsTable;
  idempotency_keys: IdempotencyKeysTable;
};

export type RunsTable = {
  /** `run_` and 24 hex digits. */
  id: string;
  host: string;
  container_id: string;
  image: string;
  image_digest: string | null;
  status: "running" | "exited" | "cancelled" | "lost";
  exit_code: number | null;
  /** 0 or 1, as every boolean column. */
  oom_killed: number;
  error: string | null;
  /** JSON object of the run's own labels. */
  labels: string;
  subject: string;
  token_id: string;
  remove: number;
  removed: number;
  cancel_requested: number;
  output_limit: number;
  /** JSON of the phase timings. */
  phases: string;
  /** JSON of the kept output, once the run ended. */
  output: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The instance that watches the run, and until when (`RunLease`); both null while nobody does. */
  lease_owner: string | null;
  lease_until: string | null;
};

export type IdempotencyKeysTable = {
  /** Who sent the key: the same key from someone else is another key. */
  principal: string;
  operation: string;
  key: string;
  /** SHA-256 of the operation's validated input: the same key with other input is refused. */
  request_hash: string;
  /** Null while the first request with the key is still being answered. */
  status: number | null;
  response: string | null;
  location: string | null;
  created_at: string;
  expires_at: string;
  /** Until when a pending claim's owner is known to be at work (null once answered, or from before leases). */
  lease_until: string | null;
  /** The random token of the claim (`KeyClaim.owner`): only its holder renews, answers or releases it. */
  owner: string | null;
};

export type HostsTable = {
  id: string;
  name: string;
  /** JSON object of label key to value. */
  labels: string;
  url: string;
  /** JSON of the non-secret connection settings (certificates, known host key, insecure flag). */
  connection: string;
  /** JWE (compact) of the secret connection settings, or null when there are none. */
  secrets: string | null;
  source: "api" | "file";
  /** Subject of the non-admin token that set the connection; null for an operator's (migration 0005). */
  owner: string | null;
  created_at: string;
  updated_at: string;
  version: Generated<number>;
};

export type TokensTable = {
  /** The token's `jti`. */
  id: string;
  name: string;
  subject: string;
  /** Space-separated scopes. */
  scope: string;
  /** JSON array of host grants. */
  hosts: string;
  /** JSON object of policy grants. */
  policy: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
};
