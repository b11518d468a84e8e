import type { Kysely } from "kysely";
import type { Logger } from "../logging/logger.js";
import type { StoreSchema } from "../store/schema.js";

export type AuditEntry = {
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
};

export type AuditQuery = {
  host?: string | undefined;
  subject?: string | undefined;
  since?: string | undefined;
  limit: number;
  cursor?: number | undefined;
  /** Only entries about these hosts; undefined for every entry. */
  visibleHosts?: string[] | undefined;
};

/** Who did what, where, and how it ended: every change, and every refusal. */
export class AuditLog {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly logger: Logger,
  ) {}

  /** Never fails the request it records: a lost entry is logged instead. */
  async record(entry: Omit<AuditEntry, "id">): Promise<void> {
    try {
      await this.db
        .insertInto("audit")
        .values({
          time: entry.time,
          request_id: entry.requestId,
          subject: entry.subject,
          token_id: entry.tokenId,
          operation_id: entry.operationId,
          method: entry.method,
          path: entry.path,
          host: entry.host,
          target: entry.target,
          status: entry.status,
          outcome: entry.outcome,
          reason: entry.reason,
        })
        .execute();
    } catch (error) {
      this.logger.error("audit entry lost", { requestId: entry.requestId, error: String(error) });
    }
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  async query(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: number | null }> {
    let select = this.db
      .selectFrom("audit")
      .selectAll()
      .orderBy("id", "desc")
      .limit(query.limit + 1);
    if (query.host) select = select.where("host", "=", query.host);
    if (query.subject) select = select.where("subject", "=", query.subject);
    if (query.since) select = select.where("time", ">=", query.since);
    if (query.cursor !== undefined) select = select.where("id", "<", query.cursor);
    if (query.visibleHosts) {
      if (query.visibleHosts.length === 0) return { items: [], nextCursor: null };
      select = select.where("host", "in", query.visibleHosts);
    }
    const rows = await select.execute();
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => ({
        id: row.id,
        time: row.time,
        requestId: row.request_id,
        subject: row.subject,
        tokenId: row.token_id,
        operationId: row.operation_id,
        method: row.method,
        path: row.path,
        host: row.host,
        target: row.target,
        status: row.status,
        outcome: row.outcome,
        reason: row.reason,
      })),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }
}
