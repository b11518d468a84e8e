import type { Kysely } from "kysely";
import type { RegistryStore, RegistrySummary, SealedRegistry } from "../ports/registries.js";
import type { PostgresSchema } from "./schema.js";

const SUMMARY_COLUMNS = [
  "address",
  "username",
  "created_at as createdAt",
  "updated_at as updatedAt",
] as const;

export class PostgresRegistryStore implements RegistryStore {
  constructor(private readonly db: Kysely<PostgresSchema>) {}

  /**
   * An insert that does nothing on a conflict, else an update: whichever statement returns the row says
   * `created`, so of two puts racing for a new address exactly one is told it created it. Looped because the
   * row may be removed between the two.
   */
  async put(entry: SealedRegistry): Promise<{ summary: RegistrySummary; created: boolean }> {
    const { address, username, secret, updatedAt } = entry;
    for (;;) {
      const inserted = await this.db
        .insertInto("registries")
        .values({ address, username, secret, created_at: entry.createdAt, updated_at: updatedAt })
        .onConflict((oc) => oc.column("address").doNothing())
        .returning(SUMMARY_COLUMNS)
        .executeTakeFirst();
      if (inserted) return { summary: inserted, created: true };
      const updated = await this.db
        .updateTable("registries")
        .set({ username, secret, updated_at: updatedAt })
        .where("address", "=", address)
        .returning(SUMMARY_COLUMNS)
        .executeTakeFirst();
      if (updated) return { summary: updated, created: false };
    }
  }

  async get(address: string): Promise<SealedRegistry | undefined> {
    return this.db
      .selectFrom("registries")
      .select([...SUMMARY_COLUMNS, "secret"])
      .where("address", "=", address)
      .executeTakeFirst();
  }

  list(): Promise<RegistrySummary[]> {
    return this.db.selectFrom("registries").select(SUMMARY_COLUMNS).orderBy("address").execute();
  }

  async remove(address: string): Promise<boolean> {
    const result = await this.db.deleteFrom("registries").where("address", "=", address).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
