import type { Kysely } from "kysely";
import type { AuditEntry, AuditFilter, AuditRecord, AuditStore } from "../ports/audit.js";
import type { AuditTable } from "./tables.js";

type AuditSchema = { audit: AuditTable };

/** The columns of an entry under the entry's names: every column is plain text or a number in both stores. */
const ENTRY_COLUMNS = [
  "id",
  "time",
  "request_id as requestId",
  "subject",
  "token_id as tokenId",
  "operation_id as operationId",
  "method",
  "path",
  "host",
  "target",
  "status",
  "outcome",
  "reason",
  "channel",
] as const;

/** The audit log of both stores: its statements are the same SQL in SQLite and PostgreSQL. */
export class KyselyAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<AuditSchema>) {}

  /** One statement, so all of them or none. */
  async append(entries: readonly AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto("audit")
      .values(
        entries.map((entry) => ({
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
          channel: entry.channel,
        })),
      )
      .execute();
  }

  query(filter: AuditFilter): Promise<AuditEntry[]> {
    if (filter.hosts?.length === 0) return Promise.resolve([]);
    let select = this.db.selectFrom("audit").select(ENTRY_COLUMNS).orderBy("id", "desc").limit(filter.limit);
    if (filter.host) select = select.where("host", "=", filter.host);
    if (filter.subject) select = select.where("subject", "=", filter.subject);
    if (filter.since) select = select.where("time", ">=", filter.since);
    if (filter.beforeId !== undefined) select = select.where("id", "<", filter.beforeId);
    if (filter.hosts) select = select.where("host", "in", filter.hosts);
    return select.execute();
  }

  async deleteOlderThan(time: string, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom("audit")
      .where("id", "in", (eb) => eb.selectFrom("audit").select("id").where("time", "<", time).limit(limit))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
