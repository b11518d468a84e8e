import type { Store } from "./ports/store.js";
import { openSqliteStore } from "./sqlite/open.js";

/**
 * The store portcall keeps its state in: the embedded SQLite database in the data folder, or an in-memory one
 * for `":memory:"`. Another implementation of the ports is chosen here, and nowhere else.
 */
export function openStore(dataDir: string | ":memory:"): Promise<Store> {
  return openSqliteStore(dataDir);
}
