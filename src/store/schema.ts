import type { Generated } from "kysely";

/** Tables of the store, as Kysely sees them. JSON columns hold text; the repositories parse them. */
export type StoreSchema = {
  meta: MetaTable;
  hosts: HostsTable;
};

export type MetaTable = {
  key: string;
  value: string;
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
  created_at: string;
  updated_at: string;
  version: Generated<number>;
};
