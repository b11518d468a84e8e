import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { KyselyAuditStore } from "../kysely-shared/audit.js";
import type { Store } from "../ports/store.js";
import { StoreError } from "../store-error.js";
import { PostgresHostStore } from "./hosts.js";
import { PostgresIdempotencyStore } from "./idempotency.js";
import { PostgresMetaStore } from "./meta.js";
import { migrations } from "./migrations.js";
import { PostgresRegistryStore } from "./registries.js";
import { PostgresRunStore } from "./runs.js";
import type { PostgresSchema } from "./schema.js";
import { TokenChangeFeed } from "./token-changes.js";
import { PostgresTokenStore } from "./tokens.js";

/** The PostgreSQL store, with its Kysely handle for what only PostgreSQL tests look at. */
export type PostgresStore = Store & { readonly db: Kysely<PostgresSchema> };

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Where the store is, for messages: the URL without its user and password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(an unreadable URL)";
  }
}

/**
 * Audit ids are `bigint`, which pg reads as strings to be safe past 2^53; no store gets near that, and the
 * ports speak numbers. Set on this pool only, not on pg's global parsers.
 */
function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  return types;
}

// Replicas started at once over one database migrate one after another under this session lock: the first
// applies the migrations, the others find nothing left to do. Kysely's own lock covers applying them, not the
// creation of its bookkeeping tables before that, where it relies on checking again after a failure.
const MIGRATIONS_LOCK = sql`hashtext('portcall:migrations')`;

/** Whether every migration this code knows, and no other, is applied: then there is nothing to migrate. */
async function upToDate(db: Kysely<PostgresSchema>): Promise<boolean> {
  try {
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const names = (list: string[]) => list.sort().join("\n");
    return names(applied.rows.map((row) => row.name)) === names(Object.keys(migrations));
  } catch {
    // No bookkeeping table yet (a fresh database): the migration below creates it, or says what is wrong.
    return false;
  }
}

async function migrate(db: Kysely<PostgresSchema>): Promise<void> {
  await db.connection().execute(async (session) => {
    await sql`select pg_advisory_lock(${MIGRATIONS_LOCK})`.execute(session);
    try {
      const migrator = new Migrator({ db: session, provider: { getMigrations: async () => migrations } });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATIONS_LOCK})`.execute(session);
    }
  });
}

export type PostgresPoolOptions = {
  /**
   * Whether tokens read as active are kept while a LISTEN connection of their own hears every change of the
   * tokens (true by default). Off for a function instance: frozen between invocations, its feed would be stale
   * at each thaw anyway, and its connection one more on the server for each instance.
   */
  tokenChanges?: boolean;
  /**
   * Most connections held at once (10 by default). A function instance answers one invocation at a time,
   * and its instances are many: a few each keeps them from using up the server's `max_connections`.
   */
  maxConnections?: number;
};

/** Longest a statement runs: a query stuck behind a lock or a runaway plan fails instead of holding a request. */
const STATEMENT_TIMEOUT_MS = 30_000;
/**
 * Longest pg waits for any answer. Longer than the statement timeout, so the server cancels first with a clear
 * error on a connection that stays usable; this only ends the wait on a connection nobody answers on any more
 * (a failover, a partition), which TCP keepalive alone would take many minutes to notice.
 */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 5_000;
/** Idle connections are closed before servers, proxies and NAT gateways cut them on their own. */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * A pool of connections to `url`. A query on a connection that died while in use fails; the connection is
 * then dropped from the pool when released, so the next query gets a fresh one.
 *
 * Such a query is not retried, though a function thawed with connections the server closed meanwhile would
 * like it to be: pg's error cannot tell a statement the server never received from one it ran and could not
 * answer, a write run twice is not harmless here (an audit entry kept twice, an idempotency claim that then
 * reads as another's), and Kysely's PostgresDialect offers no hook between a failed query and its caller
 * short of wrapping its driver and tracking transactions. The caller's own retry gets the fresh connection.
 */
function connectionPool(url: string, options: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    types: typeParsers(),
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    ...options,
  });
  // An idle connection the server closed (a restart, a failover) is dropped from the pool and the next query
  // opens another; unhandled, the event would end the process. /readyz reports a store that stays away.
  pool.on("error", () => {});
  // pg-pool listens for errors of idle connections only: a connection lost while in use would emit an error
  // nobody handles, ending the process. Its query fails with that error all the same.
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

/**
 * Brings the schema up to date over a connection of its own, without the pool's timeouts: a replica waits
 * for another's migration under the lock, and a migration over many rows may take longer than a request.
 */
async function migrateAlone(url: string): Promise<void> {
  const db = new Kysely<PostgresSchema>({
    dialect: new PostgresDialect({ pool: connectionPool(url, { max: 1 }) }),
  });
  try {
    await migrate(db);
  } finally {
    await db.destroy();
  }
}

/** Connects to the database at `url` (`postgres://…`) and brings its schema up to date. */
export async function openPostgresStore(
  url: string,
  options: PostgresPoolOptions = {},
): Promise<PostgresStore> {
  const where = describeDatabaseUrl(url);
  const pool = connectionPool(url, {
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    ...(options.maxConnections === undefined ? {} : { max: options.maxConnections }),
  });
  const db = new Kysely<PostgresSchema>({ dialect: new PostgresDialect({ pool }) });
  const fail = async (doing: string, error: unknown): Promise<never> => {
    await db.destroy();
    throw new StoreError(`portcall cannot ${doing} ${where} (PORTCALL_DATABASE_URL): ${describe(error)}`);
  };
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    return fail("reach its PostgreSQL store", error);
  }
  try {
    // Most starts find the schema as it should be: one quick read, and no second connection.
    if (!(await upToDate(db))) await migrateAlone(url);
  } catch (error) {
    return fail("migrate its PostgreSQL store", error);
  }
  const feed = options.tokenChanges === false ? undefined : new TokenChangeFeed(url, pool);
  feed?.start();
  return {
    db,
    hosts: new PostgresHostStore(db),
    tokens: new PostgresTokenStore(db, pool, feed),
    audit: new KyselyAuditStore(db),
    runs: new PostgresRunStore(db),
    idempotency: new PostgresIdempotencyStore(db),
    registries: new PostgresRegistryStore(db),
    meta: new PostgresMetaStore(db),
    check: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await feed?.close();
      await db.destroy();
    },
  };
}
