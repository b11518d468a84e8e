import { type Insertable, type Kysely, sql } from "kysely";
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
import type { PostgresSchema, RunsTable } from "./schema.js";

/**
 * A run as the port gives it: booleans and the parsed `json` columns come back from pg as they are, and the
 * lease, the watchers' business, stays out.
 */
const RUN_COLUMNS = [
  "runs.id",
  "runs.host",
  "runs.container_id",
  "runs.image",
  "runs.image_digest",
  "runs.status",
  "runs.exit_code",
  "runs.oom_killed",
  "runs.error",
  "runs.labels",
  "runs.subject",
  "runs.token_id",
  "runs.remove",
  "runs.removed",
  "runs.cancel_requested",
  "runs.output_limit",
  "runs.phases",
  "runs.output",
  "runs.created_at",
  "runs.started_at",
  "runs.finished_at",
] as const satisfies ReadonlyArray<`runs.${keyof RunRecord}`>;

const toRow = (run: RunRecord, lease: RunLease | undefined): Insertable<RunsTable> => ({
  ...run,
  labels: JSON.stringify(run.labels),
  phases: JSON.stringify(run.phases),
  output: run.output && JSON.stringify(run.output),
  lease_owner: lease?.owner ?? null,
  lease_until: lease?.until ?? null,
});

/** The key is a parameter: `->>` looks up that top-level key, dots and all, with nothing to escape. */
const label = (key: string) => sql<string | null>`labels ->> ${key}::text`;

export class PostgresRunStore extends KyselyRuns implements RunStore {
  constructor(private readonly db: Kysely<PostgresSchema>) {
    super(db);
  }

  async insert(run: RunRecord, lease?: RunLease): Promise<void> {
    await this.db.insertInto("runs").values(toRow(run, lease)).execute();
  }

  get(id: string): Promise<RunRecord | undefined> {
    return this.db.selectFrom("runs").select(RUN_COLUMNS).where("id", "=", id).executeTakeFirst();
  }

  async end(id: string, end: RunEnd, phases: RunPhases): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({
        status: end.status,
        exit_code: end.exitCode,
        oom_killed: end.oomKilled,
        error: end.error,
        started_at: end.startedAt,
        finished_at: end.finishedAt,
        output: end.output && JSON.stringify(end.output),
        phases: JSON.stringify({ ...phases, runMs: end.runMs }),
      })
      .where("id", "=", id)
      .where("status", "=", "running")
      .execute();
  }

  async markRemoved(id: string): Promise<void> {
    await this.db.updateTable("runs").set({ removed: true }).where("id", "=", id).execute();
  }

  async requestCancel(id: string): Promise<boolean> {
    const marked = await this.db
      .updateTable("runs")
      .set({ cancel_requested: true })
      .where("id", "=", id)
      .where("cancel_requested", "=", false)
      .returning("id")
      .executeTakeFirst();
    return marked !== undefined;
  }

  async withdrawCancel(id: string): Promise<void> {
    await this.db.updateTable("runs").set({ cancel_requested: false }).where("id", "=", id).execute();
  }

  /** A run keeps its token's id, not who issued it: the join with `tokens` tells. */
  protected unfinishedAt(unwatchedAt: string | undefined): Promise<UnfinishedRun[]> {
    let query = this.db
      .selectFrom("runs")
      .leftJoin("tokens", "tokens.id", "runs.token_id")
      .select(RUN_COLUMNS)
      .select(issuer)
      .where((eb) =>
        eb.or([
          eb("runs.status", "=", "running"),
          eb.and([eb("runs.remove", "=", true), eb("runs.removed", "=", false)]),
        ]),
      );
    if (unwatchedAt !== undefined) {
      query = query.where(unwatched(unwatchedAt));
    }
    return query.execute();
  }

  list(filter: RunFilter): Promise<RunRecord[]> {
    if (filter.hosts?.length === 0) return Promise.resolve([]);
    return listedBy(this.db.selectFrom("runs").select(RUN_COLUMNS), filter, label).execute();
  }
}
