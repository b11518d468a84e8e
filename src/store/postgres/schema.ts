import type { ColumnType, Generated } from "kysely";
import type { CapturedOutput } from "../../docker/output-capture.js";
import type { StoredConnection } from "../../hosts/host-connection.js";
import type { AuditTable, MetaTable, RegistriesTable, TokenAncestorsTable } from "../kysely-shared/tables.js";
import type { RunPhases, RunStatus } from "../ports/runs.js";

/**
 * A `json` column: written as the text `JSON.stringify` gives (pg would turn an array into a PostgreSQL array
 * literal), read back parsed by pg. `json` rather than `jsonb` keeps the document as written, key order and
 * `\u0000` included, as SQLite's text does.
 */
export type Json<T> = ColumnType<T, string, string>;

/**
 * Tables of the PostgreSQL store, as Kysely sees them. Text columns use the "C" collation, so ids and ISO times
 * compare and sort byte by byte as in SQLite, whatever the database's own collation; flags are booleans.
 */
export type PostgresSchema = {
  meta: MetaTable;
  hosts: HostsTable;
  tokens: TokensTable;
  token_ancestors: TokenAncestorsTable;
  audit: AuditTable;
  registries: RegistriesTable;
  runs: RunsTable;
  idempotency_keys: IdempotencyKeysTable;
};

export type HostsTable = {
  id: string;
  name: string;
  labels: Json<Record<string, string>>;
  url: string;
  /** The non-secret connection settings (certificates, known host key, insecure flag). */
  connection: Json<StoredConnection>;
  /** JWE (compact) of the secret connection settings, or null when there are none. */
  secrets: string | null;
  source: "api" | "file";
  owner: string | null;
  created_at: string;
  updated_at: string;
  version: Generated<number>;
};

export type TokensTable = {
  id: string;
  name: string;
  subject: string;
  /** Space-separated scopes. */
  scope: string;
  hosts: Json<string[]>;
  policy: Json<Record<string, unknown>>;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
};

export type RunsTable = {
  id: string;
  host: string;
  container_id: string;
  image: string;
  image_digest: string | null;
  status: RunStatus;
  exit_code: number | null;
  oom_killed: boolean;
  error: string | null;
  labels: Json<Record<string, string>>;
  subject: string;
  token_id: string;
  remove: boolean;
  removed: boolean;
  cancel_requested: boolean;
  output_limit: number;
  phases: Json<RunPhases>;
  output: ColumnType<CapturedOutput | null, string | null, string | null>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The instance that watches the run, and until when (`RunLease`); both null while nobody does. */
  lease_owner: string | null;
  lease_until: string | null;
};

export type IdempotencyKeysTable = {
  principal: string;
  operation: string;
  key: string;
  request_hash: string;
  /** Null while the first request with the key is still being answered. */
  status: number | null;
  response: ColumnType<unknown, string | null, string | null>;
  /** Kept for the same columns as SQLite's store; always null now. */
  location: string | null;
  created_at: string;
  expires_at: string;
  /** Until when a pending claim's owner is known to be at work (null once answered, or from before leases). */
  lease_until: string | null;
  /** The random token of the claim (`KeyClaim.owner`): only its holder renews, answers or releases it. */
  owner: string | null;
};
