import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import { KyselyAuditStore } from "../kysely-shared/audit.js";
import type { Store } from "../ports/store.js";
import { StoreError } from "../store-error.js";
import { SQLITE_FILE } from "./file.js";
import { SqliteHostStore } from "./hosts.js";
import { SqliteIdempotencyStore } from "./idempotency.js";
import { SqliteMetaStore } from "./meta.js";
import { migrations } from "./migrations.js";
import { SqliteRegistryStore } from "./registries.js";
import { SqliteRunStore } from "./runs.js";
import type { SqliteSchema } from "./schema.js";
import { SqliteTokenStore } from "./tokens.js";

/** The SQLite store, with its Kysely handle for what only SQLite tests look at (pragmas, raw rows). */
export type SqliteStore = Store & { readonly db: Kysely<SqliteSchema> };

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function ensureWritableFolder(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new StoreError(
      `portcall cannot use its data folder ${dataDir} (PORTCALL_DATA_DIR): ${describe(error)}`,
    );
  }
}

function openDatabase(file: string): SQLite.Database {
  try {
    const database = new SQLite(file);
    // WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes.
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("foreign_keys = ON");
    database.pragma("busy_timeout = 5000");
    return database;
  } catch (error) {
    throw new StoreError(`portcall cannot open its store ${file}: ${describe(error)}`);
  }
}

/** Opens `portcall.db` in the data folder (or an in-memory database) and brings its schema up to date. */
export async function openSqliteStore(dataDir: string | ":memory:"): Promise<SqliteStore> {
  const file = dataDir === ":memory:" ? ":memory:" : join(dataDir, SQLITE_FILE);
  if (dataDir !== ":memory:") await ensureWritableFolder(dataDir);
  const database = openDatabase(file);
  const db = new Kysely<SqliteSchema>({ dialect: new SqliteDialect({ database }) });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Kysely's default, localeCompare, loads ICU's collation at every start just to order a few ASCII names;
    // by code unit, as it sorts the migrations it is given.
    nameComparator: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw new StoreError(`portcall cannot migrate its store ${file}: ${describe(error)}`);
  }
  return {
    db,
    hosts: new SqliteHostStore(db),
    tokens: new SqliteTokenStore(db, database),
    audit: new KyselyAuditStore(db),
    runs: new SqliteRunStore(db),
    idempotency: new SqliteIdempotencyStore(db),
    registries: new SqliteRegistryStore(db),
    meta: new SqliteMetaStore(db),
    check: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
