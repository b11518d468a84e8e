// better-sqlite3 reports constraint failures as SqliteError codes; a duplicate key is one of these two.
const DUPLICATE_KEY = new Set(["SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"]);

/** Whether an insert failed because a row with its key exists, which the ports report as `false`. */
export function isDuplicateKey(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    DUPLICATE_KEY.has(String((error as { code?: unknown }).code))
  );
}
