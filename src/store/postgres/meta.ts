import type { Kysely } from "kysely";
import { KyselyMeta } from "../kysely-shared/meta.js";
import type { PostgresSchema } from "./schema.js";

export class PostgresMetaStore extends KyselyMeta {
  constructor(private readonly db: Kysely<PostgresSchema>) {
    super(db);
  }

  /** `returning` answers a row only when this statement inserted it: one of several racing replicas. */
  async setIfAbsent(key: string, value: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto("meta")
      .values({ key, value })
      .onConflict((oc) => oc.column("key").doNothing())
      .returning("key")
      .executeTakeFirst();
    return inserted !== undefined;
  }
}
