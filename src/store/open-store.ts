import type { Store } from "./ports/store.js";
import type { PostgresPoolOptions } from "./postgres/open.js";

/**
 * The store portcall keeps its state in: the PostgreSQL database at `databaseUrl` (`PORTCALL_DATABASE_URL`)
 * when one is given, which several replicas can share; otherwise the embedded SQLite database in the data
 * folder, or an in-memory one for `":memory:"`. Another implementation of the ports is chosen here, and
 * nowhere else. Each driver is loaded only when its store is opened: a start never reads the other's code.
 */
export async function openStore(
  dataDir: string | ":memory:",
  databaseUrl?: string,
  postgres: PostgresPoolOptions = {},
): Promise<Store> {
  if (databaseUrl === undefined) return (await import("./sqlite/open.js")).openSqliteStore(dataDir);
  return (await import("./postgres/open.js")).openPostgresStore(databaseUrl, postgres);
}
