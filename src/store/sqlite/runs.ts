import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import type { CapturedOutput } from "../../docker/output-capture.js";
import { unwatched } from "../kysely-shared/run-watches.js";
import { issuer, KyselyRuns, listedBy } from "../kysely-shared/runs.js";
import type {
  RunEnd,
  RunFilter,
  RunLease,
  RunPhases,
  RunRecord,
  RunStore,
  UnfinishedRun,
} from "../ports/runs.js";
import { fromFlag, fromJson, toFlag, toJson } from "./columns.js";
import type { RunsTable, SqliteSchema } from "./schema.js";

type Row = Selectable<RunsTable>;

function toRow(run: RunRecord, lease: RunLease | undefined): Insertable<RunsTable> {
  return {
    ...run,
    lease_owner: lease?.owner ?? null,
    lease_until: lease?.until ?? null,
    oom_killed: toFlag(run.oom_killed),
    labels: toJson(run.labels),
    remove: toFlag(run.remove),
    removed: toFlag(run.removed),
    cancel_requested: toFlag(run.cancel_requested),
    phases: toJson(run.phases),
    output: run.output ? toJson(run.output) : null,
  };
}

// The lease is the watchers' business: a run as the port gives it does not carry it.
function fromRow<T extends Row>({ lease_owner, lease_until, ...row }: T): Omit<T, keyof Row> & RunRecord {
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

/** Label keys are validated to a grammar without quotes, so the quoted JSON path cannot be broken out of. */
const label = (key: string) => sql<string | null>`json_extract(labels, ${`$."${key}"`})`;

export class SqliteRunStore extends KyselyRuns implements RunStore {
  constructor(private readonly db: Kysely<SqliteSchema>) {
    super(db);
  }

  async insert(run: RunRecord, lease?: RunLease): Promise<void> {
    await this.db.insertInto("runs").values(toRow(run, lease)).execute();
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
    return row && fromRow(row);
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

  /** A run keeps its token's id, not who issued it: the join with `tokens` tells. */
  protected async unfinishedAt(unwatchedAt: string | undefined): Promise<UnfinishedRun[]> {
    let query = this.db
      .selectFrom("runs")
      .leftJoin("tokens", "tokens.id", "runs.token_id")
      .selectAll("runs")
      .select(issuer)
      .where((eb) =>
        eb.or([
          eb("runs.status", "=", "running"),
          eb.and([eb("runs.remove", "=", 1), eb("runs.removed", "=", 0)]),
        ]),
      );
    if (unwatchedAt !== undefined) {
      query = query.where(unwatched(unwatchedAt));
    }
    return (await query.execute()).map(fromRow);
  }

  async list(filter: RunFilter): Promise<RunRecord[]> {
    if (filter.hosts?.length === 0) return [];
    return (await listedBy(this.db.selectFrom("runs").selectAll(), filter, label).execute()).map(fromRow);
  }
}
