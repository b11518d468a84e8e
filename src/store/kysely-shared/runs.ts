import { type ColumnType, type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from "kysely";
import type { RunFilter, RunPhases, RunStatus, UnfinishedRun } from "../ports/runs.js";
import { KyselyRunWatches } from "./run-watches.js";

/**
 * The columns of `runs` the statements below use, as both stores declare them: text, or (`phases`) the text
 * `JSON.stringify` gives. Flags, JSON read back and label lookups differ by dialect and stay in each store.
 */
type RunsSchema = {
  runs: {
    id: string;
    host: string;
    status: RunStatus;
    phases: ColumnType<unknown, string, string>;
    created_at: string;
    started_at: string | null;
    lease_owner: string | null;
    lease_until: string | null;
  };
};

/** Who issued a run's token, by a left join of `tokens`: a token portcall minted is in its tokens table. */
export const issuer = sql<
  "portcall" | "oidc"
>`case when tokens.id is null then 'oidc' else 'portcall' end`.as("issuer");

/**
 * A listing of runs as `filter` asks, newest first: the same statement in both stores but for how each looks
 * up a label's value in the JSON of `labels` (null when the run has no such label).
 */
export function listedBy<O>(
  query: SelectQueryBuilder<RunsSchema, "runs", O>,
  filter: RunFilter,
  label: (key: string) => RawBuilder<string | null>,
): SelectQueryBuilder<RunsSchema, "runs", O> {
  let narrowed = query.orderBy("created_at", "desc").orderBy("id", "desc");
  if (filter.hosts) narrowed = narrowed.where("host", "in", filter.hosts);
  if (filter.status) narrowed = narrowed.where("status", "=", filter.status);
  const cursor = filter.cursor;
  if (cursor) {
    narrowed = narrowed.where((eb) =>
      eb.or([
        eb("created_at", "<", cursor.createdAt),
        eb.and([eb("created_at", "=", cursor.createdAt), eb("id", "<", cursor.id)]),
      ]),
    );
  }
  for (const [key, value] of filter.labels) {
    const lookup = label(key);
    narrowed = narrowed.where(
      value === undefined ? sql<boolean>`${lookup} is not null` : sql<boolean>`${lookup} = ${value}`,
    );
  }
  return narrowed.limit(filter.limit);
}

/** What both stores' runs do alike beyond who watches them; each adds the rest of `RunStore`. */
export abstract class KyselyRuns extends KyselyRunWatches {
  constructor(private readonly rows: Kysely<RunsSchema>) {
    super(rows);
  }

  /** The unfinished runs, only those nobody watches at `unwatchedAt` when it is given. */
  protected abstract unfinishedAt(unwatchedAt: string | undefined): Promise<UnfinishedRun[]>;

  unfinished(): Promise<UnfinishedRun[]> {
    return this.unfinishedAt(undefined);
  }

  listUnwatched(now: string): Promise<UnfinishedRun[]> {
    return this.unfinishedAt(now);
  }

  async delete(id: string): Promise<void> {
    await this.rows.deleteFrom("runs").where("id", "=", id).execute();
  }

  async markStarted(id: string, startedAt: string, phases: RunPhases): Promise<void> {
    await this.rows
      .updateTable("runs")
      .set({ started_at: startedAt, phases: JSON.stringify(phases) })
      .where("id", "=", id)
      .execute();
  }
}
