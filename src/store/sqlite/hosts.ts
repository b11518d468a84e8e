import type { Kysely } from "kysely";
import type { StoredConnection } from "../../hosts/host-connection.js";
import type { HostRecord } from "../../hosts/host-record.js";
import { hostRow, KyselyHosts } from "../kysely-shared/hosts.js";
import { fromJson } from "./columns.js";
import { isDuplicateKey } from "./errors.js";
import type { HostsTable, SqliteSchema } from "./schema.js";

type Row = Omit<HostsTable, "version">;

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

export class SqliteHostStore extends KyselyHosts {
  constructor(private readonly db: Kysely<SqliteSchema>) {
    super(db);
  }

  async list(): Promise<HostRecord[]> {
    const rows = await this.db.selectFrom("hosts").selectAll().orderBy("id").execute();
    return rows.map(fromRow);
  }

  async insert(record: HostRecord): Promise<boolean> {
    try {
      await this.db.insertInto("hosts").values(hostRow(record)).execute();
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}
