import type { Kysely } from "kysely";
import { ApiError } from "../errors/api-error.js";
import type { StoreSchema } from "../store/schema.js";
import type { StoredConnection } from "./host-connection.js";
import type { HostRecord } from "./host-record.js";

type Row = StoreSchema["hosts"];

function toRow(record: HostRecord): Omit<Row, "version"> {
  return {
    id: record.id,
    name: record.name,
    labels: JSON.stringify(record.labels),
    url: record.url,
    connection: JSON.stringify(record.stored),
    secrets: record.sealedSecrets,
    source: record.source,
    owner: record.owner,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function fromRow(row: Omit<Row, "version">): HostRecord {
  return {
    id: row.id,
    name: row.name,
    labels: JSON.parse(row.labels) as Record<string, string>,
    url: row.url,
    stored: JSON.parse(row.connection) as StoredConnection,
    sealedSecrets: row.secrets,
    source: row.source,
    owner: row.owner,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Hosts in the store. Each write is committed (WAL, synchronous) before it returns. */
export class HostRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async list(): Promise<HostRecord[]> {
    const rows = await this.db.selectFrom("hosts").selectAll().orderBy("id").execute();
    return rows.map(fromRow);
  }

  async insert(record: HostRecord): Promise<void> {
    try {
      await this.db.insertInto("hosts").values(toRow(record)).execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ApiError("host_exists", `Host "${record.id}" is already registered.`);
      throw error;
    }
  }

  async update(record: HostRecord): Promise<void> {
    const { id, created_at: _, ...changes } = toRow(record);
    await this.db
      .updateTable("hosts")
      .set((eb) => ({ ...changes, version: eb("version", "+", 1) }))
      .where("id", "=", id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("hosts").where("id", "=", id).execute();
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db
      .insertInto("meta")
      .values({ key, value })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
      .execute();
  }
}
