/** The SQLite store's file in the data folder; apart from the driver, so checking for it loads no SQLite. */
export const SQLITE_FILE = "portcall.db";
