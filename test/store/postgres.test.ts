import { sql } from "kysely";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { migrations } from "../../src/store/postgres/migrations.js";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres/open.js";
import { migrations as sqliteMigrations } from "../../src/store/sqlite/migrations.js";
import { StoreError } from "../../src/store/store-error.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";
import { describeStoreContract } from "./store-contract.js";

const databases: TestDatabase[] = [];
afterAll(() => Promise.all(databases.map((database) => database.drop())));

/** A database of its own for each caller, dropped when the file is done. */
async function freshDatabase(): Promise<TestDatabase> {
  const database = await createDatabase();
  databases.push(database);
  return database;
}

describeWithPostgres("PostgreSQL", () => {
  describeStoreContract("PostgreSQL", {
    open: async () => openPostgresStore((await freshDatabase()).url),
    revokeOnly: async (store: PostgresStore, id, at) => {
      await store.db.updateTable("tokens").set({ revoked_at: at }).where("id", "=", id).execute();
    },
  });
});

describeWithPostgres("the PostgreSQL store", () => {
  const appliedMigrations = async (store: PostgresStore) =>
    (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db)).rows.map(
      (row) => row.name,
    );

  it("has the same migrations as the SQLite store, by name and order", () => {
    expect(Object.keys(migrations)).toEqual(Object.keys(sqliteMigrations));
  });

  it("is what openStore opens for a database URL, with the schema migrated once", async () => {
    const { url } = await freshDatabase();
    const first = await openStore("/nonexistent/data", url);
    await first.meta.set("kept", "yes");
    await first.close();
    const again = await openPostgresStore(url);
    expect(await again.meta.get("kept")).toBe("yes");
    expect(await appliedMigrations(again)).toEqual(Object.keys(migrations));
    await again.close();
  });

  it("migrates a fresh database opened by several replicas at once, each of them ready", async () => {
    const { url } = await freshDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url)));
    await Promise.all(stores.map((store, index) => store.meta.set(`replica-${index}`, "up")));
    for (const store of stores) {
      expect(await appliedMigrations(store)).toEqual(Object.keys(migrations));
      expect(await store.meta.get("replica-0")).toBe("up");
      await store.close();
    }
  });

  it("sorts ids byte by byte like SQLite, whatever the database's collation", async () => {
    const store = await openPostgresStore((await freshDatabase()).url);
    for (const address of ["b.example", "B.example", "a-b.example", "ab.example"]) {
      await store.registries.put({ address, username: "u", secret: "s", createdAt: "t", updatedAt: "t" });
    }
    expect((await store.registries.list()).map((entry) => entry.address)).toEqual([
      "B.example",
      "a-b.example",
      "ab.example",
      "b.example",
    ]);
    await store.close();
  });

  it("keeps a run's output as written, NUL characters included", async () => {
    const store = await openPostgresStore((await freshDatabase()).url);
    const output = { stdout: "a\u0000b", stderr: "é\n", truncated: false, stdoutBytes: 3, stderrBytes: 3 };
    await store.runs.insert({
      id: "run_1",
      host: "h",
      container_id: "c",
      image: "i",
      image_digest: null,
      status: "exited",
      exit_code: 0,
      oom_killed: false,
      error: null,
      labels: { "a.b": "1" },
      subject: "s",
      token_id: "t",
      remove: false,
      removed: false,
      cancel_requested: false,
      output_limit: 10,
      phases: { pullMs: null, createMs: null, startMs: null, runMs: null },
      output,
      created_at: "2026-01-01T00:00:00.000Z",
      started_at: null,
      finished_at: null,
    });
    expect((await store.runs.get("run_1"))?.output).toEqual(output);
    await store.close();
  });

  it("bounds how long a statement may run, and holds no more connections than it is given", async () => {
    const store = await openPostgresStore((await freshDatabase()).url, { maxConnections: 1 });
    const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(store.db);
    expect(rows[0]?.statement_timeout).toBe("30s");
    const pids = await Promise.all(
      [1, 2, 3].map(async () => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.1)`.execute(
          store.db,
        );
        return rows[0]?.pid;
      }),
    );
    expect(new Set(pids).size).toBe(1);
    await store.close();
  });

  it("outlives a connection the server ends while it is in use, and answers on a new one", async () => {
    const { url } = await freshDatabase();
    const store = await openPostgresStore(url, { maxConnections: 1 });
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    const failed = await store.db
      .connection()
      .execute(async (session) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(session);
        await killer.query("select pg_terminate_backend($1)", [rows[0]?.pid]);
        // The server's goodbye arrives while the connection is held, between queries.
        await new Promise((resolve) => setTimeout(resolve, 200));
        return sql`select 1`.execute(session);
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await killer.end();
    expect(failed).toBeInstanceOf(Error);
    expect(await store.meta.get("anything")).toBeUndefined();
    await store.close();
  });

  it("fails with a message naming the server but not the password when it cannot connect", async () => {
    const { url } = await freshDatabase();
    const wrong = new URL(url);
    wrong.password = "not-the-password";
    const error = await openStore(":memory:", wrong.href).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StoreError);
    expect(String(error)).toContain(
      `cannot reach its PostgreSQL store postgres://${wrong.host}${wrong.pathname} (PORTCALL_DATABASE_URL)`,
    );
    expect(String(error)).not.toContain("not-the-password");
  });
});
