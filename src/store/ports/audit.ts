export type AuditEntry = {
  /** Increasing in the order entries were appended: the cursor of a page. */
  id: number;
  time: string;
  requestId: string;
  subject: string | null;
  tokenId: string | null;
  operationId: string | null;
  method: string;
  path: string;
  host: string | null;
  target: string | null;
  status: number;
  outcome: "allowed" | "denied" | "failed";
  reason: string | null;
  /** Which channel the call came through: the same operation over REST and MCP differs only here. */
  channel: AuditChannel;
};

export type AuditChannel = "rest" | "mcp";

/** An entry before the store numbered it. */
export type AuditRecord = Omit<AuditEntry, "id">;

export type AuditFilter = {
  host?: string | undefined;
  subject?: string | undefined;
  /** Entries at or after this time. */
  since?: string | undefined;
  /** Entries with a smaller id: the last id of the previous page. */
  beforeId?: number | undefined;
  /** Only entries about one of these hosts (an empty list matches none); undefined for every entry. */
  hosts?: readonly string[] | undefined;
  limit: number;
};

/** The audit log: appended to, read a page at a time, and trimmed by age. */
export interface AuditStore {
  /** All of them or none. */
  append(entries: readonly AuditRecord[]): Promise<void>;
  /** Newest first, at most `limit`. */
  query(filter: AuditFilter): Promise<AuditEntry[]>;
  /**
   * Deletes up to `limit` entries older than `time` and says how many: the caller repeats while a batch comes
   * back full, so no single delete holds the store for long.
   */
  deleteOlderThan(time: string, limit: number): Promise<number>;
}
