import type { Kysely, Selectable } from "kysely";
import type { AuditEntry, AuditFilter, AuditRecord, AuditStore } from "../ports/audit.js";
import type { AuditTable, SqliteSchema } from "./schema.js";

function fromRow(row: Selectable<AuditTable>): AuditEntry {
  return {
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
    channel: row.channel,
  };
}

export class SqliteAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<SqliteSchema>) {}

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

  async query(filter: AuditFilter): Promise<AuditEntry[]> {
    if (filter.hosts?.length === 0) return [];
    let select = this.db.selectFrom("audit").selectAll().orderBy("id", "desc").limit(filter.limit);
    if (filter.host) select = select.where("host", "=", filter.host);
    if (filter.subject) select = select.where("subject", "=", filter.subject);
    if (filter.since) select = select.where("time", ">=", filter.since);
    if (filter.beforeId !== undefined) select = select.where("id", "<", filter.beforeId);
    if (filter.hosts) select = select.where("host", "in", filter.hosts);
    return (await select.execute()).map(fromRow);
  }

  async deleteOlderThan(time: string, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom("audit")
      .where("id", "in", (eb) => eb.selectFrom("audit").select("id").where("time", "<", time).limit(limit))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
