import type { Kysely } from "kysely";
import type { MetaStore } from "../ports/meta.js";
import type { MetaTable } from "./tables.js";

type MetaSchema = { meta: MetaTable };

/** What both stores' meta do alike; each adds how it tells that an insert it skipped on a conflict did nothing. */
export abstract class KyselyMeta implements MetaStore {
  constructor(private readonly meta: Kysely<MetaSchema>) {}

  abstract setIfAbsent(key: string, value: string): Promise<boolean>;

  async get(key: string): Promise<string | undefined> {
    const row = await this.meta.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.meta
      .insertInto("meta")
      .values({ key, value })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
      .execute();
  }
}
