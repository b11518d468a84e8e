import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/sqlite/migrations.js";
import type { SqliteSchema } from "../../src/store/sqlite/schema.js";

const migrateTo = (db: Kysely<SqliteSchema>, last: string) =>
  new Migrator({
    db,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last)),
    },
  }).migrateToLatest();

describe("migration 0006: the chain of creators of tokens minted before it", () => {
  const db = new Kysely<SqliteSchema>({ dialect: new SqliteDialect({ database: new SQLite(":memory:") }) });
  afterEach(() => db.destroy());

  const token = (id: string, createdBy: string, revokedAt: string | null = null) => ({
    id,
    name: id,
    subject: `token:${id}`,
    scope: "tokens:write",
    hosts: '["*"]',
    policy: "{}",
    created_by: createdBy,
    created_at: "2026-01-01T00:00:00.000Z",
    expires_at: "2027-01-01T00:00:00.000Z",
    revoked_at: revokedAt,
    last_used_at: null,
  });

  it("records every ancestor from created_by, and revokes what descends from a token revoked before", async () => {
    expect((await migrateTo(db, "0005~")).error).toBeUndefined();
    await db
      .insertInto("tokens")
      .values([
        token("root", "cli"),
        token("parent", "root", "2026-02-01T00:00:00.000Z"),
        token("child", "parent"),
        token("grandchild", "child"),
        token("sibling", "root"),
        token("from-oidc", "oidc:someone:1"),
      ])
      .execute();
    expect((await migrateTo(db, "\uffff")).error).toBeUndefined();

    const lineage = await db
      .selectFrom("token_ancestors")
      .selectAll()
      .orderBy("token_id")
      .orderBy("ancestor_id")
      .execute();
    expect(lineage.map((row) => `${row.token_id}<${row.ancestor_id}`)).toEqual([
      "child<parent",
      "child<root",
      "grandchild<child",
      "grandchild<parent",
      "grandchild<root",
      "parent<root",
      "sibling<root",
    ]);
    const revoked = Object.fromEntries(
      (await db.selectFrom("tokens").select(["id", "revoked_at"]).execute()).map((row) => [
        row.id,
        row.revoked_at,
      ]),
    );
    expect(revoked).toEqual({
      root: null,
      parent: "2026-02-01T00:00:00.000Z",
      child: "2026-02-01T00:00:00.000Z",
      grandchild: "2026-02-01T00:00:00.000Z",
      sibling: null,
      "from-oidc": null,
    });
  });
});
