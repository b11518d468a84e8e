import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Principal } from "../auth/principal.js";
import type { DockerCreateBody } from "../docker/container-calls.js";
import { createChecked } from "../docker/create-checked.js";
import { type PolicyDefaults, toDockerCreateBody } from "../docker/create-policy.js";
import type { ContainerExit, DockerHost } from "../docker/docker-host.js";
import { splitReference } from "../docker/image-reference.js";
import { type CapturedOutput, OutputCapture } from "../docker/output-capture.js";
import { ApiError } from "../errors/api-error.js";
import type { HostRecord } from "../hosts/host-record.js";
import type { HostRegistry } from "../hosts/host-registry.js";
import { type ConcurrencyLimiter, limitHolder } from "../limits/concurrency-limiter.js";
import type { Logger } from "../logging/logger.js";
import type { RegistryCredential } from "../registries/registry-credentials.js";
import { containerSpecOf, type RunCreate } from "../schemas/run.js";
import type { RunEnd, RunFilter, RunRecord, RunStore } from "../store/ports/runs.js";

/** Every container a run makes carries its run id, so it can be told apart from anything else on the host. */
export const RUN_LABEL = "portcall.run";

/** Tries at reading a finished run's output from a daemon that answers with errors. */
const OUTPUT_READ_ATTEMPTS = 3;

const elapsed = (since: number) => Math.round(performance.now() - since);

const lost = (error: string): RunEnd => ({
  status: "lost",
  exitCode: null,
  oomKilled: false,
  error,
  startedAt: null,
  finishedAt: null,
  output: null,
  runMs: null,
});

const isCode = (error: unknown, code: string) => error instanceof ApiError && error.code === code;

/** Resolves when `work` settles or `ms` pass or `signal` fires, whichever is first; never rejects. */
async function settleWithin(work: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<void> {
  const timer = new AbortController();
  const signals = signal ? [timer.signal, signal] : [timer.signal];
  try {
    await Promise.race([work.catch(() => {}), sleep(ms, undefined, { signal: AbortSignal.any(signals) })]);
  } catch {
    // the client left or the timer was cancelled: nothing to wait for any more
  } finally {
    timer.abort();
  }
}

export type RunStart = {
  principal: Principal;
  host: HostRecord;
  input: RunCreate;
  auth: RegistryCredential | undefined;
  /** The request's signal: it may end the pull; from the create on, a run goes on without its client. */
  signal: AbortSignal;
};

/**
 * Runs: `docker run` as one call whose outcome is stored. Each started run has a watcher in this process that
 * waits for its container's end, keeps its output (bounded), records how it ended and removes the container
 * when asked; after a restart, `resume` gives every unfinished run its watcher again.
 */
export class RunService {
  private readonly watchers = new Map<string, Promise<void>>();
  private readonly life = new AbortController();

  constructor(
    private readonly repository: RunStore,
    private readonly hosts: HostRegistry,
    private readonly limits: ConcurrencyLimiter,
    private readonly defaults: PolicyDefaults,
    private readonly logger: Logger,
    /** The longest a request may wait for a run's end (PORTCALL_RUN_MAX_WAIT_SECONDS). */
    readonly maxWaitSeconds: number,
  ) {}

  get(id: string): Promise<RunRecord | undefined> {
    return this.repository.get(id);
  }

  list(filter: RunFilter): Promise<RunRecord[]> {
    return this.repository.list(filter);
  }

  /**
   * Pulls the image if needed, creates the container, arms the wait for its end, starts it, and hands it to a
   * watcher. Answers as soon as it runs; `settle` waits for its end.
   */
  async start({ principal, host, input, auth, signal }: RunStart): Promise<RunRecord> {
    const id = `run_${randomBytes(12).toString("hex")}`;
    const spec = containerSpecOf(input);
    const labels = { ...spec.labels, [RUN_LABEL]: id };
    // The policy is checked before anything happens on the host.
    const body = toDockerCreateBody({ ...spec, labels }, principal.policy, this.defaults);
    const release = this.limits.acquire(limitHolder(principal), "runs");
    try {
      const client = await this.hosts.get(host.id);
      const pullMs = await this.ensureImage(client, input, auth, signal);
      const imageDigest = await this.imageDigest(client, input.image, signal);
      const { ended } = await this.launch(client, body, input.name, principal.policy, {
        id,
        host: host.id,
        image: input.image,
        image_digest: imageDigest,
        status: "running",
        exit_code: null,
        oom_killed: false,
        error: null,
        labels: spec.labels ?? {},
        subject: principal.subject,
        token_id: principal.tokenId,
        remove: input.remove ?? input.wait,
        removed: false,
        cancel_requested: false,
        output_limit: input.outputLimitBytes,
        phases: { pullMs, createMs: null, startMs: null, runMs: null },
        output: null,
        created_at: new Date().toISOString(),
        started_at: null,
        finished_at: null,
      });
      this.watch(id, ended, release);
    } catch (error) {
      release();
      throw error;
    }
    return this.mustGet(id);
  }

  /**
   * Creates the run's container, stores the run once the container's volumes pass the policy, arms the wait
   * before the start (so even an exit at once is seen), then starts it. None of it is tied to the client: a
   * run that was created is started and watched even if its client left. A container that cannot start is
   * removed again, and so is its run: it never ran, and the error says why.
   */
  private async launch(
    client: DockerHost,
    body: DockerCreateBody,
    name: string | undefined,
    policy: Record<string, unknown>,
    run: Omit<RunRecord, "container_id">,
  ): Promise<{ ended: Promise<ContainerExit> | undefined }> {
    const { phases } = run;
    const creating = performance.now();
    let starting = creating;
    let stored = false;
    let ended: Promise<ContainerExit> | undefined;
    try {
      await createChecked(client, body, name, policy, {
        start: true,
        created: () => {
          phases.createMs = elapsed(creating);
        },
        beforeStart: async (containerId) => {
          await this.repository.insert({ ...run, container_id: containerId });
          stored = true;
          ({ ended } = await client.armExitWait(containerId, "next-exit", { signal: this.life.signal }));
          starting = performance.now();
        },
        ready: async () => {
          phases.startMs = elapsed(starting);
          await this.repository.markStarted(run.id, new Date().toISOString(), phases);
        },
      });
    } catch (error) {
      if (stored) await this.repository.delete(run.id);
      throw error;
    }
    return { ended };
  }

  /** Waits up to `ms` (or until `signal`) for the run's end; answers the run as it then is. */
  async settle(id: string, ms: number, signal?: AbortSignal): Promise<RunRecord> {
    const watcher = this.watchers.get(id);
    if (watcher) await settleWithin(watcher, ms, signal);
    return this.mustGet(id);
  }

  /** Stops the run's container (SIGTERM, then SIGKILL after `graceSeconds`) and answers once its end is recorded. */
  async cancel(row: RunRecord, graceSeconds: number, signal: AbortSignal): Promise<RunRecord> {
    if (row.status !== "running") return row;
    // Only the cancel that set the mark takes it back: a retried cancel must not undo the one that stopped it.
    const first = await this.repository.requestCancel(row.id);
    const withdraw = () => (first ? this.repository.withdrawCancel(row.id) : Promise.resolve());
    const client = await this.hosts.get(row.host);
    try {
      // Not cut by the client: the daemon goes on stopping a container whose caller left, and that end is a cancel.
      const stopped = await client.stopContainer(row.container_id, graceSeconds);
      // It had ended by itself before the stop came: that end is its own, not a cancel.
      if (!stopped) await withdraw();
    } catch (error) {
      // Gone already: its watcher records the run as lost. Not stopped: a later end of its own is no cancel.
      if (!isCode(error, "container_not_found")) {
        await withdraw();
        throw error;
      }
    }
    return this.settle(row.id, 10_000, signal);
  }

  /** Gives every unfinished run of the store a watcher again: after a restart, their ends are still recorded. */
  resume(): void {
    void this.repository.unfinished().then(
      (rows) => {
        for (const row of rows) {
          const slot = row.status === "running" ? this.limits.occupy(limitHolder(row), "runs") : undefined;
          this.watch(row.id, undefined, slot);
        }
      },
      (error: unknown) => this.logger.error("could not read the unfinished runs", { error: String(error) }),
    );
  }

  async close(): Promise<void> {
    this.life.abort(new Error("portcall is shutting down"));
    await Promise.allSettled(this.watchers.values());
  }

  private async mustGet(id: string): Promise<RunRecord> {
    const row = await this.repository.get(id);
    if (!row) throw new ApiError("run_not_found", `Run "${id}" does not exist.`);
    return row;
  }

  private async ensureImage(
    client: DockerHost,
    input: RunCreate,
    auth: RegistryCredential | undefined,
    signal: AbortSignal,
  ): Promise<number | null> {
    if (input.pull === "never") return null;
    if (input.pull === "missing") {
      const present = await client.inspectImage(input.image, { signal }).then(
        () => true,
        (error: unknown) => {
          if (isCode(error, "image_not_found")) return false;
          throw error;
        },
      );
      if (present) return null;
    }
    const pulling = performance.now();
    await client.pullImage(input.image, { auth }, undefined, { signal });
    return elapsed(pulling);
  }

  private async imageDigest(client: DockerHost, image: string, signal: AbortSignal): Promise<string | null> {
    const detail = await client.inspectImage(image, { signal });
    const { repository } = splitReference(image);
    return detail.repoDigests.find((digest) => digest.startsWith(`${repository}@`)) ?? detail.id;
  }

  private watch(id: string, ended?: Promise<ContainerExit>, release: () => void = () => {}): void {
    if (this.watchers.has(id)) {
      release();
      return;
    }
    const watcher = this.follow(id, ended)
      .catch((error: unknown) =>
        this.logger.error("a run's watcher failed", { run: id, error: String(error) }),
      )
      .finally(() => {
        release();
        this.watchers.delete(id);
      });
    this.watchers.set(id, watcher);
  }

  /**
   * Waits for the run's end and records it. A host that drops out is waited for (with backoff) rather than
   * given up on: the container may well still be running there. Only a container that is gone makes it lost.
   */
  private async follow(id: string, armed?: Promise<ContainerExit>): Promise<void> {
    let ended = armed;
    for (let attempt = 0; !this.life.signal.aborted; attempt += 1) {
      const row = await this.repository.get(id);
      if (!row) return;
      if (!this.hosts.find(row.host)) {
        if (row.status === "running") await this.end(row, lost(`host "${row.host}" is no longer registered`));
        return;
      }
      try {
        const client = await this.hosts.get(row.host);
        if (row.status === "running") {
          if (!ended && (await this.neverStarted(row, client))) {
            await this.end(row, lost("portcall stopped before it started the container"));
            // Whatever `remove` asked: a container that never ran holds nothing anyone could want back.
            await this.removeContainer({ ...(await this.mustGet(id)), remove: true }, client);
            return;
          }
          ended ??= (await client.armExitWait(row.container_id, "not-running", { signal: this.life.signal }))
            .ended;
          await ended;
          await this.finish(id, client);
        } else {
          await this.removeContainer(row, client);
        }
        return;
      } catch (error) {
        ended = undefined;
        if (this.life.signal.aborted) return;
        if (isCode(error, "container_not_found")) {
          await this.end(row, lost("the container was removed before its end was seen"));
          return;
        }
        this.logger.warn("waiting for a run's host", { run: id, host: row.host, error: String(error) });
        await sleep(Math.min(30_000, 500 * 2 ** attempt), undefined, { signal: this.life.signal }).catch(
          () => {},
        );
      }
    }
  }

  /**
   * Whether a resumed run's container was never started: portcall stopped between storing the run and starting
   * it. Waiting for "not running" would see such a container as ended with exit code 0.
   */
  private async neverStarted(row: RunRecord, client: DockerHost): Promise<boolean> {
    if (row.started_at !== null) return false;
    const { state } = await client.inspectContainer(row.container_id, { signal: this.life.signal });
    return state.status === "created" && state.startedAt === null;
  }

  /** Reads how the container ended and what it printed, records it, and removes the container if asked. */
  private async finish(id: string, client: DockerHost): Promise<void> {
    const row = await this.mustGet(id);
    const { state } = await client.inspectContainer(row.container_id, { signal: this.life.signal });
    const kept = await this.readOutput(row, client);
    await this.end(row, {
      status: row.cancel_requested ? "cancelled" : "exited",
      exitCode: state.exitCode,
      oomKilled: state.oomKilled,
      error: state.error || kept.error,
      startedAt: state.startedAt,
      finishedAt: state.finishedAt,
      output: kept.output,
      runMs:
        state.startedAt && state.finishedAt
          ? Date.parse(state.finishedAt) - Date.parse(state.startedAt)
          : null,
    });
    await this.removeContainer(await this.mustGet(id), client);
  }

  /**
   * The container's output within the run's limit. A daemon that answers but cannot give logs (a log driver
   * that keeps none) would fail every retry: the run then ends without output and says why, rather than never.
   */
  private async readOutput(
    row: RunRecord,
    client: DockerHost,
  ): Promise<{ output: CapturedOutput | null; error: string | null }> {
    const query = { follow: false, stdout: true, stderr: true, timestamps: false };
    for (let attempt = 1; ; attempt += 1) {
      const capture = new OutputCapture(row.output_limit);
      try {
        const logs = await client.containerLogs(row.container_id, query, { signal: this.life.signal });
        for await (const { stream, data } of logs.chunks()) capture.push(stream, data);
        return { output: capture.result(), error: null };
      } catch (error) {
        // Unreachable hosts are waited for by the caller; a daemon that answers with an error may have had a
        // passing fault, so it gets a few tries before the output is given up.
        if (!isCode(error, "host_error")) throw error;
        if (attempt >= OUTPUT_READ_ATTEMPTS) {
          return { output: null, error: `its output could not be read: ${(error as ApiError).message}` };
        }
        await sleep(500 * attempt, undefined, { signal: this.life.signal });
      }
    }
  }

  private async end(row: RunRecord, end: RunEnd): Promise<void> {
    await this.repository.end(row.id, end, row.phases);
  }

  private async removeContainer(row: RunRecord, client: DockerHost): Promise<void> {
    if (!row.remove || row.removed) return;
    try {
      await client.removeContainer(
        row.container_id,
        { force: true, volumes: true },
        { signal: this.life.signal },
      );
    } catch (error) {
      if (!isCode(error, "container_not_found")) throw error;
    }
    await this.repository.markRemoved(row.id);
  }
}
