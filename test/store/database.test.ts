import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, StoreError } from "../../src/store/database.js";

describe("the embedded store", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcall-store-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("creates its folder and database, in WAL mode, with the schema migrated", async () => {
    const store = await openStore(join(dir, "nested", "data"));
    const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    expect(rows[0]?.journal_mode).toBe("wal");
    const tables = await store.db.introspection.getTables();
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(["hosts", "meta"]));
    await store.check();
    await store.close();
  });

  it("opens an existing store again without migrating twice", async () => {
    await (await openStore(dir)).close();
    const again = await openStore(dir);
    await again.check();
    await again.close();
  });

  it("fails with a message naming the folder when it cannot be used", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "");
    await expect(openStore(join(file, "data"))).rejects.toThrow(StoreError);
    await expect(openStore(join(file, "data"))).rejects.toThrow(/cannot use its data folder .*a-file\/data/);
  });
});
