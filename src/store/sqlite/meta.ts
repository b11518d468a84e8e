import type { Kysely } from "kysely";
import { KyselyMeta } from "../kysely-shared/meta.js";
import type { SqliteSchema } from "./schema.js";

export class SqliteMetaStore extends KyselyMeta {
  constructor(private readonly db: Kysely<SqliteSchema>) {
    super(db);
  }

  async setIfAbsent(key: string, value: string): Promise<boolean> {
    const result = await this.db
      .insertInto("meta")
      .values({ key, value })
      .onConflict((oc) => oc.column("key").doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows === 1n;
  }
}
