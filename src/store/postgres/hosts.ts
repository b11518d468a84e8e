import type { Kysely } from "kysely";
import type { HostRecord } from "../../hosts/host-record.js";
import { hostRow, KyselyHosts } from "../kysely-shared/hosts.js";
import type { PostgresSchema } from "./schema.js";

/** pg parses the `json` columns on the way out, so a row reads as the record under the record's names. */
const RECORD_COLUMNS = [
  "id",
  "name",
  "labels",
  "url",
  "connection as stored",
  "secrets as sealedSecrets",
  "source",
  "owner",
  "created_at as createdAt",
  "updated_at as updatedAt",
] as const;

export class PostgresHostStore extends KyselyHosts {
  constructor(private readonly db: Kysely<PostgresSchema>) {
    super(db);
  }

  list(): Promise<HostRecord[]> {
    return this.db.selectFrom("hosts").select(RECORD_COLUMNS).orderBy("id").execute();
  }

  async insert(record: HostRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto("hosts")
      .values(hostRow(record))
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    return inserted !== undefined;
  }
}
