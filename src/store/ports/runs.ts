import type { CapturedOutput } from "../../docker/output-capture.js";

// Plain types rather than the API schema's: a port stays a leaf of the import graph. `toRun` and the run routes
// assign between these and the schema's, so the compiler keeps the two in step.
export type RunStatus = "running" | "exited" | "cancelled" | "lost";

export type RunPhases = {
  pullMs: number | null;
  createMs: number | null;
  startMs: number | null;
  runMs: number | null;
};

/**
 * A run as stored. The fields keep the names of the stored columns because the run routes read several of them
 * (`created_at` for the page cursor, `container_id` for logs).
 */
export type RunRecord = {
  /** `run_` and 24 hex digits. */
  id: string;
  host: string;
  container_id: string;
  image: string;
  image_digest: string | null;
  status: RunStatus;
  exit_code: number | null;
  oom_killed: boolean;
  error: string | null;
  /** The run's own labels, without the one portcall adds. */
  labels: Record<string, string>;
  subject: string;
  token_id: string;
  remove: boolean;
  removed: boolean;
  cancel_requested: boolean;
  output_limit: number;
  phases: RunPhases;
  /** Kept once the run ended. */
  output: CapturedOutput | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

/** How a run ended, recorded once. */
export type RunEnd = {
  status: Exclude<RunStatus, "running">;
  exitCode: number | null;
  oomKilled: boolean;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  output: CapturedOutput | null;
  /** From start until the end was seen: completes the run's phases. */
  runMs: number | null;
};

/** A run still to be watched, with the issuer of its token: portcall's when the token is stored, else OIDC. */
export type UnfinishedRun = RunRecord & { issuer: "portcall" | "oidc" };

export type RunFilter = {
  /** Only runs on one of these hosts (an empty list matches none); undefined for every host. */
  hosts?: string[] | undefined;
  status?: RunStatus | undefined;
  /** Each pair must match: a key alone asks for the label to be set, with a value for it to equal that. */
  labels: Array<[string, string | undefined]>;
  limit: number;
  /** Runs after this one in the listing's order. */
  cursor?: { createdAt: string; id: string } | undefined;
};

/**
 * Which portcall instance watches a run (records its end, removes its container), and until when without
 * renewing. Times are UTC ISO 8601 as `Date#toISOString` gives them, compared as instants; they come from the
 * caller's clock, never the store's, so every implementation compares the same values. A lease holds while
 * `until >= now` and has lapsed once `until < now`; a run with no owner is watched by nobody.
 */
export type RunLease = {
  /** The instance's id, made when it starts. */
  owner: string;
  until: string;
};

/**
 * Runs: what each was asked to do and how it ended, so they outlive the process that started them. Any
 * instance over the same store may record a run's end; `end` keeps the first, so two that do it at once are
 * harmless. The lease only says who is to watch: it is no lock on writes.
 */
export interface RunStore {
  /** With `lease`, the run is stored watched by its owner already: no sweep elsewhere takes it as it starts. */
  insert(run: RunRecord, lease?: RunLease): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  delete(id: string): Promise<void>;
  /** Newest first (`created_at`, then id, both descending). */
  list(filter: RunFilter): Promise<RunRecord[]>;
  markStarted(id: string, startedAt: string, phases: RunPhases): Promise<void>;
  /**
   * Records the end once: a run that already ended keeps its first recorded end. `phases` are the run's until
   * its end, which `end.runMs` completes.
   */
  end(id: string, end: RunEnd, phases: RunPhases): Promise<void>;
  markRemoved(id: string): Promise<void>;
  /** Marks the run as being cancelled; false when an earlier cancel already did (that one owns the mark). */
  requestCancel(id: string): Promise<boolean>;
  withdrawCancel(id: string): Promise<void>;
  /** Runs whose end was not recorded yet, and ended ones whose container is still to be removed. */
  unfinished(): Promise<UnfinishedRun[]>;
  /**
   * What `unfinished` lists, but only runs nobody watches at `now`: no owner, or a lease with `until < now`.
   * In no particular order.
   */
  listUnwatched(now: string): Promise<UnfinishedRun[]>;
  /**
   * Sets the run's lease to `lease` when nobody holds it, when its lease lapsed at `now` (`until < now`), or when
   * `lease.owner` holds it already (then it is extended, or shortened, to `lease.until`). Answers whether
   * `lease.owner` holds it afterwards: false, changing nothing, for another owner's lease with `until >= now`,
   * and for a run that does not exist. The run's status is not looked at.
   */
  claimWatch(id: string, lease: RunLease, now: string): Promise<boolean>;
  /**
   * Sets `until` as the lease's end of each run of `ids` that `owner` holds; answers those ids (in any order).
   * A run of `ids` that another owner took over, or whose lease was released, is left as it is and not
   * answered: its lease is no longer this owner's, whether or not it had lapsed.
   */
  renewWatches(owner: string, ids: readonly string[], until: string): Promise<string[]>;
  /** Clears the run's lease (no owner, no end) when `owner` holds it, lapsed or not; otherwise changes nothing. */
  releaseWatch(id: string, owner: string): Promise<void>;
}
