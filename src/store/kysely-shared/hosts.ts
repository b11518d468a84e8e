import type { ColumnType, Generated, Insertable, Kysely } from "kysely";
import type { HostRecord } from "../../hosts/host-record.js";
import { type HostStore, hostsFingerprint } from "../ports/hosts.js";

/**
 * The columns of `hosts` as both stores write them: the JSON columns take the text `JSON.stringify` gives in
 * either (SQLite keeps it as text, PostgreSQL as `json`). How a row reads back differs and stays in each store.
 */
type HostsSchema = {
  hosts: {
    id: string;
    name: string;
    labels: ColumnType<unknown, string, string>;
    url: string;
    connection: ColumnType<unknown, string, string>;
    secrets: string | null;
    source: "api" | "file";
    owner: string | null;
    created_at: string;
    updated_at: string;
    version: Generated<number>;
  };
};

/** The row of a host record, as both stores write it. */
export const hostRow = (record: HostRecord) =>
  ({
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
  }) satisfies Insertable<HostsSchema["hosts"]>;

/** What both stores' hosts do alike; each adds how it reads the rows and tells a host registered already. */
export abstract class KyselyHosts implements HostStore {
  constructor(private readonly hosts: Kysely<HostsSchema>) {}

  abstract list(): Promise<HostRecord[]>;

  abstract insert(record: HostRecord): Promise<boolean>;

  async update(record: HostRecord, from: string): Promise<boolean> {
    const { id, created_at: _, ...changes } = hostRow(record);
    const result = await this.hosts
      .updateTable("hosts")
      .set((eb) => ({ ...changes, version: eb("version", "+", 1) }))
      .where("id", "=", id)
      .where("updated_at", "=", from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(id: string): Promise<void> {
    await this.hosts.deleteFrom("hosts").where("id", "=", id).execute();
  }

  async fingerprint(): Promise<string> {
    // Every update bumps `version`; a host removed and registered again has a new `created_at`.
    const rows = await this.hosts
      .selectFrom("hosts")
      .select(["id", "version", "created_at"])
      .orderBy("id")
      .execute();
    return hostsFingerprint(rows.map((row) => `${row.id}:${row.version}:${row.created_at}`));
  }
}
