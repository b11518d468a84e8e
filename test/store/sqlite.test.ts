import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/open.js";
import { StoreError } from "../../src/store/store-error.js";
import { describeStoreContract, type StoreHarness } from "./store-contract.js";

const revokeOnly: StoreHarness<SqliteStore>["revokeOnly"] = async (store, id, at) => {
  await store.db.updateTable("tokens").set({ revoked_at: at }).where("id", "=", id).execute();
};

describeStoreContract("in-memory SQLite", { open: () => openSqliteStore(":memory:"), revokeOnly });

// A file goes through WAL and the busy timeout, which an in-memory database never does.
const folders: string[] = [];
afterAll(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));
describeStoreContract("file-backed SQLite", {
  open: async () => {
    const folder = await mkdtemp(join(tmpdir(), "portcall-store-contract-"));
    folders.push(folder);
    return openSqliteStore(folder);
  },
  revokeOnly,
});

describe("the embedded SQLite store", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcall-store-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("creates its folder and database, in WAL mode, with the schema migrated", async () => {
    const store = await openSqliteStore(join(dir, "nested", "data"));
    const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    expect(rows[0]?.journal_mode).toBe("wal");
    const tables = await store.db.introspection.getTables();
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(["hosts", "meta"]));
    await store.check();
    await store.close();
  });

  it("opens an existing store again without migrating twice, keeping what it holds", async () => {
    const first = await openStore(dir);
    await first.meta.set("kept", "yes");
    await first.close();
    const again = await openStore(dir);
    await again.check();
    expect(await again.meta.get("kept")).toBe("yes");
    await again.close();
  });

  it("fails with a message naming the folder when it cannot be used", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "");
    await expect(openStore(join(file, "data"))).rejects.toThrow(StoreError);
    await expect(openStore(join(file, "data"))).rejects.toThrow(/cannot use its data folder .*a-file\/data/);
  });
});
