import { setTimeout as sleep } from "node:timers/promises";
import type { DockerHost } from "../docker/docker-host.js";
import { type CapturedOutput, OutputCapture } from "../docker/output-capture.js";
import { ApiError } from "../errors/api-error.js";
import type { RunEnd, RunRecord, RunStore } from "../store/ports/runs.js";

/** Every container a run makes carries its run id, so it can be told apart from anything else on the host. */
export const RUN_LABEL = "portcall.run";

/** Tries at reading a finished run's output from a daemon that answers with errors. */
const OUTPUT_READ_ATTEMPTS = 3;

export const isCode = (error: unknown, code: string) => error instanceof ApiError && error.code === code;

export const lost = (error: string): RunEnd => ({
  status: "lost",
  exitCode: null,
  oomKilled: false,
  error,
  startedAt: null,
  finishedAt: null,
  output: null,
  runMs: null,
});

/**
 * What one look at a run's container found: it ended (and that is recorded now), or it goes on as stored (it
 * still runs, or this look may not tell).
 */
export type Sighting = "ended" | "running";

/**
 * Who looks at a run, which decides what its look may record:
 * - `watcher` holds the run's lease, and whoever started the run no longer does: it records whatever it sees,
 *   a container that never started or is gone as lost, and an end without output when none can be read.
 * - `reader` holds the lease for one read, so nobody else watches the run; but the instance starting it may only
 *   have stalled past its lease: it records an end or a container that is gone, never a start that did not come,
 *   nor an end without output.
 * - `onlooker` reads while another instance holds a live lease: that instance may reach the run's host as
 *   another daemon (a unix socket is each replica's own), so only an end it sees on the run's own container,
 *   output and all, is recorded; anything else is left to the lease's owner or, once it lapses, a sweep.
 */
export type Looker = "watcher" | "reader" | "onlooker";

const hasEnded = (status: string) => status === "exited" || status === "dead";

/**
 * Records how a run ended from its container's state and output, and removes the container when the run asks.
 * A watcher, a sweep and a read all record through this, so a run's end is the same whichever saw it first;
 * the store keeps the first end, so two instances recording one run at once is harmless.
 */
export class RunSettler {
  constructor(
    private readonly repository: RunStore,
    private readonly signal: AbortSignal,
  ) {}

  /** Looks once at a running run's container and records its end, as far as `looker` may (see `Looker`). */
  async look(row: RunRecord, client: DockerHost, looker: Looker): Promise<Sighting> {
    const detail = await client.inspectContainer(row.container_id, { signal: this.signal }).catch((error) => {
      if (isCode(error, "container_not_found")) return undefined;
      throw error;
    });
    const owner = detail?.config.labels[RUN_LABEL];
    if (looker === "onlooker") {
      if (detail && owner === row.id && hasEnded(detail.state.status)) {
        await this.finish(row.id, client, looker);
        return "ended";
      }
      return "running";
    }
    // A container labelled for another run is not the one this run made, however it came by that id.
    if (!detail || (owner !== undefined && owner !== row.id)) {
      await this.end(row, lost("the container was removed before its end was seen"));
      return "ended";
    }
    const { state } = detail;
    // Waiting for "not running" would see a container that never started as ended with exit code 0.
    if (row.started_at === null && state.status === "created" && state.startedAt === null) {
      if (looker !== "watcher") return "running";
      await this.end(row, lost("portcall stopped before it started the container"));
      // Whatever `remove` asked: a container that never ran holds nothing anyone could want back.
      await this.removeContainer({ ...(await this.mustGet(row.id)), remove: true }, client);
      return "ended";
    }
    if (!hasEnded(state.status)) return "running";
    await this.finish(row.id, client, looker);
    return "ended";
  }

  /**
   * Reads how the container ended and what it printed, records it, and removes the container if asked. Only a
   * watcher gives the output up (see `readOutput`): a read that cannot get it fails, leaving the run as it is
   * for its watcher or a later read, rather than recording an end whose output another could have kept.
   */
  async finish(id: string, client: DockerHost, looker: Looker = "watcher"): Promise<void> {
    const row = await this.mustGet(id);
    // Both only read a container that has ended: asked at once, a run's end costs one round trip less.
    const reading = this.readOutput(row, client, looker === "watcher" ? OUTPUT_READ_ATTEMPTS : 1);
    reading.catch(() => {}); // when the inspect fails, its error is the one that counts
    const { state } = await client.inspectContainer(row.container_id, { signal: this.signal });
    const kept = await reading;
    const { startedAt } = state;
    // dockerd stamps StartedAt after the process is running, so a command that exits at once can carry a
    // FinishedAt a millisecond before it; a run never ends before it starts.
    const finishedAt =
      startedAt && state.finishedAt && Date.parse(state.finishedAt) < Date.parse(startedAt)
        ? startedAt
        : state.finishedAt;
    await this.end(row, {
      status: row.cancel_requested ? "cancelled" : "exited",
      exitCode: state.exitCode,
      oomKilled: state.oomKilled,
      error: state.error || kept.error,
      startedAt,
      finishedAt,
      output: kept.output,
      runMs: startedAt && finishedAt ? Date.parse(finishedAt) - Date.parse(startedAt) : null,
    });
    await this.removeContainer(await this.mustGet(id), client);
  }

  async end(row: RunRecord, end: RunEnd): Promise<void> {
    await this.repository.end(row.id, end, row.phases);
  }

  async removeContainer(row: RunRecord, client: DockerHost): Promise<void> {
    if (!row.remove || row.removed) return;
    try {
      await client.removeContainer(row.container_id, { force: true, volumes: true }, { signal: this.signal });
    } catch (error) {
      if (!isCode(error, "container_not_found")) throw error;
    }
    await this.repository.markRemoved(row.id);
  }

  /**
   * The container's output within the run's limit. A daemon that answers but cannot give logs (a log driver
   * that keeps none) would fail every retry: the run then ends without output and says why, rather than never.
   * With a single attempt (a read's), the failure is thrown instead: a read does not give the output up.
   */
  private async readOutput(
    row: RunRecord,
    client: DockerHost,
    attempts: number,
  ): Promise<{ output: CapturedOutput | null; error: string | null }> {
    const query = { follow: false, stdout: true, stderr: true, timestamps: false };
    for (let attempt = 1; ; attempt += 1) {
      const capture = new OutputCapture(row.output_limit);
      try {
        const logs = await client.containerLogs(row.container_id, query, { signal: this.signal });
        for await (const { stream, data } of logs.chunks()) capture.push(stream, data);
        return { output: capture.result(), error: null };
      } catch (error) {
        // Unreachable hosts are waited for by the caller; a daemon that answers with an error may have had a
        // passing fault, so it gets a few tries before the output is given up.
        if (!isCode(error, "host_error") || attempts === 1) throw error;
        if (attempt >= attempts) {
          return { output: null, error: `its output could not be read: ${(error as ApiError).message}` };
        }
        await sleep(500 * attempt, undefined, { signal: this.signal });
      }
    }
  }

  private async mustGet(id: string): Promise<RunRecord> {
    const row = await this.repository.get(id);
    if (!row) throw new ApiError("run_not_found", `Run "${id}" does not exist.`);
    return row;
  }
}
