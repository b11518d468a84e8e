import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import { migrations } from "./migrations.js";
import type { StoreSchema } from "./schema.js";

export type Store = {
  db: Kysely<StoreSchema>;
  /** Throws when the store cannot be read or written, for /readyz. */
  check(): Promise<void>;
  close(): Promise<void>;
};

export class StoreError extends Error {
  override readonly name = "StoreError";
}

async function ensureWritableFolder(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError(`portcall cannot use its data folder ${dataDir} (PORTCALL_DATA_DIR): ${reason}`);
  }
}

/**
 * Opens the embedded SQLite store (or an in-memory one for `":memory:"`) and brings its schema up to date.
 * Kysely keeps the queries portable, so a server database can take over when several replicas share state.
 */
export async function openStore(dataDir: string | ":memory:"): Promise<Store> {
  const file = dataDir === ":memory:" ? ":memory:" : join(dataDir, "portcall.db");
  if (dataDir !== ":memory:") await ensureWritableFolder(dataDir);
  let database: SQLite.Database;
  try {
    database = new SQLite(file);
    // WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes.
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("foreign_keys = ON");
    database.pragma("busy_timeout = 5000");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError(`portcall cannot open its store ${file}: ${reason}`);
  }
  const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError(`portcall cannot migrate its store ${file}: ${reason}`);
  }
  return {
    db,
    check: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
