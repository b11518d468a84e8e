import type { Kysely } from "kysely";
import type { StoredConnection } from "../../hosts/host-connection.js";
import type { HostRecord } from "../../hosts/host-record.js";
import type { HostStore } from "../ports/hosts.js";
import { fromJson, toJson } from "./columns.js";
import { isDuplicateKey } from "./errors.js";
import type { HostsTable, SqliteSchema } from "./schema.js";

type Row = Omit<HostsTable, "version">;

function toRow(record: HostRecord): Row {
  return {
    id: record.id,
    name: record.name,
    labels: toJson(record.labels),
    url: record.url,
    connection: toJson(record.stored),
    secrets: record.sealedSecrets,
    source: record.source,
    owner: record.owner,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function fromRow(row: Row): HostRecord {
  return {
    id: row.id,
    name: row.name,
    labels: fromJson<Record<string, string>>(row.labels),
    url: row.url,
    stored: fromJson<StoredConnection>(row.connection),
    sealedSecrets: row.secrets,
    source: row.source,
    owner: row.owner,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqliteHostStore implements HostStore {
  constructor(private readonly db: Kysely<SqliteSchema>) {}

  async list(): Promise<HostRecord[]> {
    const rows = await this.db.selectFrom("hosts").selectAll().orderBy("id").execute();
    return rows.map(fromRow);
  }

  async insert(record: HostRecord): Promise<boolean> {
    try {
      await this.db.insertInto("hosts").values(toRow(record)).execute();
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
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
}
