import { type Kysely, type Selectable, sql } from "kysely";
import type { CapturedOutput } from "../docker/output-capture.js";
import type { Run, RunStatus } from "../schemas/run.js";
import type { RunsTable, StoreSchema } from "../store/schema.js";

export type RunRow = Selectable<RunsTable>;
export type RunPhases = Run["phases"];

export type RunEnd = {
  status: Exclude<RunStatus, "running">;
  exitCode: number | null;
  oomKilled: boolean;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  output: CapturedOutput | null;
  runMs: number | null;
};

export type RunFilter = {
  hosts?: string[] | undefined;
  status?: RunStatus | undefined;
  labels: Array<[string, string | undefined]>;
  limit: number;
  cursor?: { createdAt: string; id: string } | undefined;
};

const ms = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

/** A stored run as the API shows it. */
export function toRun(row: RunRow): Run {
  const path = `/v1/runs/${row.id}`;
  return {
    id: row.id,
    host: row.host,
    containerId: row.container_id,
    image: row.image,
    imageDigest: row.image_digest,
    status: row.status,
    exitCode: row.exit_code,
    oomKilled: row.oom_killed === 1,
    error: row.error,
    labels: JSON.parse(row.labels) as Record<string, string>,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: ms(row.started_at, row.finished_at),
    removed: row.removed === 1,
    phases: JSON.parse(row.phases) as RunPhases,
    output: row.output ? (JSON.parse(row.output) as CapturedOutput) : null,
    links: { self: path, wait: `${path}/wait`, logs: `${path}/logs`, cancel: `${path}/cancel` },
  };
}

/** The runs table: what a run was asked to do and how it ended, so it outlives portcall's restarts. */
export class RunRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async insert(row: RunRow): Promise<void> {
    await this.db.insertInto("runs").values(row).execute();
  }

  get(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("runs").where("id", "=", id).execute();
  }

  /** Records the end once: a run that already ended keeps its first recorded end. */
  async end(id: string, end: RunEnd, phases: RunPhases): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({
        status: end.status,
        exit_code: end.exitCode,
        oom_killed: end.oomKilled ? 1 : 0,
        error: end.error,
        started_at: end.startedAt,
        finished_at: end.finishedAt,
        output: end.output ? JSON.stringify(end.output) : null,
        phases: JSON.stringify({ ...phases, runMs: end.runMs }),
      })
      .where("id", "=", id)
      .where("status", "=", "running")
      .execute();
  }

  async markStarted(id: string, startedAt: string, phases: RunPhases): Promise<void> {
    await this.db
      .updateTable("runs")
      .set({ started_at: startedAt, phases: JSON.stringify(phases) })
      .where("id", "=", id)
      .execute();
  }

  async markRemoved(id: string): Promise<void> {
    await this.db.updateTable("runs").set({ removed: 1 }).where("id", "=", id).execute();
  }

  /** Marks the run as being cancelled; false when an earlier cancel already did (that one owns the mark). */
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

  /**
   * Runs whose end was not seen yet, and ended ones whose container is still to be removed. A run keeps its
   * subject and token, not who issued the token: a token portcall minted is in its tokens table, any other
   * came from the OIDC issuer.
   */
  unfinished(): Promise<Array<RunRow & { issuer: "portcall" | "oidc" }>> {
    return this.db
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
  }

  /** Newest first. */
  async list(filter: RunFilter): Promise<RunRow[]> {
    let query = this.db.selectFrom("runs").selectAll().orderBy("created_at", "desc").orderBy("id", "desc");
    if (filter.hosts) query = query.where("host", "in", filter.hosts.length ? filter.hosts : [""]);
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
    return query.limit(filter.limit).execute();
  }
}
