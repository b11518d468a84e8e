import { type Kysely, type Selectable, sql } from "kysely";
import type { CapturedOutput } from "../../docker/output-capture.js";
import type { RunEnd, RunFilter, RunPhases, RunRecord, RunStore, UnfinishedRun } from "../ports/runs.js";
import { fromFlag, fromJson, toFlag, toJson } from "./columns.js";
import type { RunsTable, SqliteSchema } from "./schema.js";

type Row = Selectable<RunsTable>;

function toRow(run: RunRecord): Row {
  return {
    ...run,
    oom_killed: toFlag(run.oom_killed),
    labels: toJson(run.labels),
    remove: toFlag(run.remove),
    removed: toFlag(run.removed),
    cancel_requested: toFlag(run.cancel_requested),
    phases: toJson(run.phases),
    output: run.output ? toJson(run.output) : null,
  };
}

function fromRow<T extends Row>(row: T): Omit<T, keyof Row> & RunRecord {
  return {
    ...row,
    oom_killed: fromFlag(row.oom_killed),
    labels: fromJson<Record<string, string>>(row.labels),
    remove: fromFlag(row.remove),
    removed: fromFlag(row.removed),
    cancel_requested: fromFlag(row.cancel_requested),
    phases: fromJson<RunPhases>(row.phases),
    output: row.output ? fromJson<CapturedOutput>(row.output) : null,
  };
}

export class SqliteRunStore implements RunStore {
  constructor(private readonly db: Kysely<SqliteSchema>) {}

  async insert(run: RunRecord): Promise<void> {
    await this.db.insertInto("runs").values(toRow(run)).execute();
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
    return row && fromRow(row);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("runs").where("id", "=", id).execute();
  }

  async end(id: string, end: RunEnd, phases: RunPhases): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({
        status: end.status,
        exit_code: end.exitCode,
        oom_killed: toFlag(end.oomKilled),
        error: end.error,
        started_at: end.startedAt,
        finished_at: end.finishedAt,
        output: end.output ? toJson(end.output) : null,
        phases: toJson({ ...phases, runMs: end.runMs }),
      })
      .where("id", "=", id)
      .where("status", "=", "running")
      .execute();
  }

  async markStarted(id: string, startedAt: string, phases: RunPhases): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({ started_at: startedAt, phases: toJson(phases) })
      .where("id", "=", id)
      .execute();
  }

  async markRemoved(id: string): Promise<void> {
    await this.db.updateTable("runs").set({ removed: 1 }).where("id", "=", id).execute();
  }

  async requestCancel(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable("runs")
      .set({ cancel_requested: 1 })
      .where("id", "=", id)
      .where("cancel_requested", "=", 0)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async withdrawCancel(id: string): Promise<void> {
    await this.db.updateTable("runs").set({ cancel_requested: 0 }).where("id", "=", id).execute();
  }

  /** A run keeps its token's id, not who issued it: a token portcall minted is in its tokens table. */
  async unfinished(): Promise<UnfinishedRun[]> {
    const rows = await this.db
      .selectFrom("runs")
      .leftJoin("tokens", "tokens.id", "runs.token_id")
      .selectAll("runs")
      .select(
        sql<"portcall" | "oidc">`case when tokens.id is null then 'oidc' else 'portcall' end`.as("issuer"),
      )
      .where((eb) =>
        eb.or([
          eb("runs.status", "=", "running"),
          eb.and([eb("runs.remove", "=", 1), eb("runs.removed", "=", 0)]),
        ]),
      )
      .execute();
    return rows.map(fromRow);
  }

  async list(filter: RunFilter): Promise<RunRecord[]> {
    if (filter.hosts?.length === 0) return [];
    let query = this.db.selectFrom("runs").selectAll().orderBy("created_at", "desc").orderBy("id", "desc");
    if (filter.hosts) query = query.where("host", "in", filter.hosts);
    if (filter.status) query = query.where("status", "=", filter.status);
    const cursor = filter.cursor;
    if (cursor) {
      query = query.where((eb) =>
        eb.or([
          eb("created_at", "<", cursor.createdAt),
          eb.and([eb("created_at", "=", cursor.createdAt), eb("id", "<", cursor.id)]),
        ]),
      );
    }
    for (const [key, value] of filter.labels) {
      // Label keys are validated to a grammar without quotes, so the quoted JSON path cannot be broken out of.
      const label = sql<string | null>`json_extract(labels, ${`$."${key}"`})`;
      query = query.where(
        value === undefined ? sql<boolean>`${label} is not null` : sql<boolean>`${label} = ${value}`,
      );
    }
    return (await query.limit(filter.limit).execute()).map(fromRow);
  }
}
