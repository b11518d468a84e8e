import type { Generated } from "kysely";

// The tables whose columns have the same types in SQLite and PostgreSQL: each store's schema uses these, and
// declares itself the tables with JSON or boolean columns, whose types differ.

export type MetaTable = {
  key: string;
  value: string;
};

/** One row per token and each token before it in the chain that minted it (its creator, the creator's…). */
export type TokenAncestorsTable = {
  token_id: string;
  ancestor_id: string;
};

export type AuditTable = {
  /** SQLite's `integer`; PostgreSQL's `bigint`, which its store reads as a number (see `postgres/open.ts`). */
  id: Generated<number>;
  time: string;
  request_id: string;
  subject: string | null;
  token_id: string | null;
  operation_id: string | null;
  method: string;
  path: string;
  host: string | null;
  target: string | null;
  status: number;
  outcome: "allowed" | "denied" | "failed";
  reason: string | null;
  channel: "rest" | "mcp";
};

export type RegistriesTable = {
  /** `host[:port]` as it appears at the front of an image reference. */
  address: string;
  username: string;
  /** JWE (compact) of the password. */
  secret: string;
  created_at: string;
  updated_at: string;
};
