import type { Kysely } from "kysely";
import type { RegistriesTable } from "../kysely-shared/tables.js";
import type { RegistryStore, RegistrySummary, SealedRegistry } from "../ports/registries.js";
import type { SqliteSchema } from "./schema.js";

const summaryOf = (row: Omit<RegistriesTable, "secret">): RegistrySummary => ({
  address: row.address,
  username: row.username,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export class SqliteRegistryStore implements RegistryStore {
  constructor(private readonly db: Kysely<SqliteSchema>) {}

  async put(entry: SealedRegistry): Promise<{ summary: RegistrySummary; created: boolean }> {
    const { address, username, secret, updatedAt } = entry;
    // In one transaction, so `created` is true for exactly one of two puts racing for a new address.
    const existing = await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom("registries")
        .select("created_at")
        .where("address", "=", address)
        .executeTakeFirst();
      await trx
        .insertInto("registries")
        .values({ address, username, secret, created_at: entry.createdAt, updated_at: updatedAt })
        .onConflict((oc) => oc.column("address").doUpdateSet({ username, secret, updated_at: updatedAt }))
        .execute();
      return before;
    });
    return {
      summary: { address, username, createdAt: existing?.created_at ?? entry.createdAt, updatedAt },
      created: !existing,
    };
  }

  async get(address: string): Promise<SealedRegistry | undefined> {
    const row = await this.db
      .selectFrom("registries")
      .selectAll()
      .where("address", "=", address)
      .executeTakeFirst();
    return row && { ...summaryOf(row), secret: row.secret };
  }

  async list(): Promise<RegistrySummary[]> {
    const rows = await this.db
      .selectFrom("registries")
      .select(["address", "username", "created_at", "updated_at"])
      .orderBy("address")
      .execute();
    return rows.map(summaryOf);
  }

  async remove(address: string): Promise<boolean> {
    const result = await this.db.deleteFrom("registries").where("address", "=", address).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
