import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Principal } from "../auth/principal.js";
import type { DockerCreateBody } from "../docker/container-calls.js";
import { createChecked } from "../docker/create-checked.js";
import { type PolicyDefaults, toDockerCreateBody } from "../docker/create-policy.js";
import type { ContainerExit, DockerHost } from "../docker/docker-host.js";
import { splitReference } from "../docker/image-reference.js";
import { ApiError } from "../errors/api-error.js";
import type { HostRecord } from "../hosts/host-record.js";
import type { HostRegistry } from "../hosts/host-registry.js";
import { type ConcurrencyLimiter, limitHolder } from "../limits/concurrency-limiter.js";
import type { Logger } from "../logging/logger.js";
import type { RegistryCredential } from "../registries/registry-credentials.js";
import type { ImageDetail } from "../schemas/image.js";
import { containerSpecOf, type RunCreate } from "../schemas/run.js";
import type { RunFilter, RunRecord, RunStore } from "../store/ports/runs.js";
import { isCode, RUN_LABEL, RunSettler } from "./run-settler.js";
import { DEFAULT_RUN_WATCH, newInstanceId, RunWatchers, type RunWatchOptions } from "./run-watchers.js";

const elapsed = (since: number) => Math.round(performance.now() - since);

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

/** Nothing is left to do for the run: its end is recorded, and its container removed if it asked. */
const settled = (row: RunRecord) => row.status !== "running" && (row.removed || !row.remove);

export type RunStart = {
  principal: Principal;
  host: HostRecord;
  input: RunCreate;
  auth: RegistryCredential | undefined;
  /** The request's signal: it may end the pull; from the create on, a run goes on without its client. */
  signal: AbortSignal;
};

/**
 * Runs: `docker run` as one call whose outcome is stored. Each started run has a watcher in the instance that
 * started it, under a lease in the store: it waits for its container's end, keeps its output (bounded), records
 * how it ended and removes the container when asked. Any instance over the same store can finish any run: a
 * sweep takes over the runs whose instance died, and reading a run records the end of one whose container
 * ended while nobody watched it (a crashed instance, or a serverless one frozen after answering).
 */
export class RunService {
  private readonly watchers: RunWatchers;
  /** What reads record with: bound to this instance's life, not to the request that reads. */
  private readonly settler: RunSettler;
  private readonly pollMs: number;

  constructor(
    private readonly repository: RunStore,
    private readonly hosts: HostRegistry,
    private readonly limits: ConcurrencyLimiter,
    private readonly defaults: PolicyDefaults,
    private readonly logger: Logger,
    /** The longest a request may wait for a run's end (PORTCALL_RUN_MAX_WAIT_SECONDS). */
    readonly maxWaitSeconds: number,
    watch: Partial<RunWatchOptions> = {},
  ) {
    const options = { ...DEFAULT_RUN_WATCH, instanceId: newInstanceId(), ...watch };
    this.watchers = new RunWatchers(repository, hosts, limits, logger, options);
    this.settler = new RunSettler(repository, this.watchers.signal);
    this.pollMs = options.pollMs;
  }

  /** This instance's id: the owner of the leases of the runs it watches. */
  get instanceId(): string {
    return this.watchers.options.instanceId;
  }

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
      const { pullMs, imageDigest } = await this.ensureImage(client, input, auth, signal);
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
      void this.watchers.watch(id, release, ended);
    } catch (error) {
      this.watchers.forget(id);
      release();
      throw error;
    }
    return this.mustGet(id);
  }

  /**
   * Creates the run's container, stores the run once the container's volumes pass the policy, arms the wait
   * before the start (so even an exit at once is seen; it is armed while the volumes are checked), then starts it. None of it is tied to the client: a
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
    let arming: Promise<{ ended: Promise<ContainerExit> }> | undefined;
    try {
      await createChecked(client, body, name, policy, {
        start: true,
        created: (containerId) => {
          phases.createMs = elapsed(creating);
          // Armed while the volumes are checked and the run stored, one round trip fewer before the start. A
          // container discarded instead ends its wait: the daemon answers a wait on a removed container.
          arming = client.armExitWait(containerId, "next-exit", { signal: this.watchers.watcherSignal });
          arming.catch(() => {});
        },
        beforeStart: async (containerId) => {
          // Leased from the moment it is stored: no sweep elsewhere may take a run this instance is starting.
          await this.repository.insert({ ...run, container_id: containerId }, this.watchers.leaseFor(run.id));
          stored = true;
          if (!arming)
            throw new ApiError("internal_error", "A run's container was started without its wait.");
          ({ ended } = await arming);
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

  /**
   * The run as it is now. One that is not settled and not watched here gets a look at its container: if it
   * ended while nobody watched it, its end is recorded now, as a watcher would, and a container still to be
   * removed is removed. While another instance holds the run's lease, only an end seen on the run's own
   * container is recorded (see `Looker`). A host out of reach leaves the run as it is stored; the next look, or
   * a sweep, does it.
   */
  async current(row: RunRecord): Promise<RunRecord> {
    if (settled(row) || this.watchers.watching(row.id) || !this.hosts.find(row.host)) return row;
    try {
      const recorded = await this.watchers.whileLeased(row.id, async (looker) => {
        const client = await this.hosts.get(row.host);
        if (row.status === "running") return (await this.settler.look(row, client, looker)) === "ended";
        // The removal is the lease owner's: the daemon this instance reaches may not be the run's.
        if (looker === "onlooker") return false;
        await this.settler.removeContainer(row, client);
        return true;
      });
      if (!recorded) return row;
    } catch (error) {
      this.logger.debug("could not look at a run's container", { run: row.id, error: String(error) });
    }
    return this.mustGet(row.id);
  }

  /**
   * Waits up to `ms` (or until `signal`) for the run's end, and its container's removal when it asked for it;
   * answers the run as it then is. A run watched here is waited for; one watched elsewhere (or by nobody) is
   * read again every `pollMs`, each time as `current` does.
   */
  async settle(id: string, ms: number, signal?: AbortSignal): Promise<RunRecord> {
    const deadline = performance.now() + ms;
    for (;;) {
      const watcher = this.watchers.watching(id);
      if (watcher) {
        await settleWithin(watcher, deadline - performance.now(), signal);
        return this.mustGet(id);
      }
      const row = await this.current(await this.mustGet(id));
      const left = deadline - performance.now();
      if (settled(row) || left <= 0 || signal?.aborted) return row;
      await settleWithin(new Promise(() => {}), Math.min(this.pollMs, left), signal);
    }
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

  /**
   * One sweep: every run nobody watches (its instance died, or released it on shutdown) is taken over here;
   * each has its end recorded by the time this answers, or is watched here from then on (until `detach`).
   * Answers how many runs it took. What a serverless function's scheduled invocation calls.
   */
  sweep(): Promise<number> {
    return this.watchers.sweep();
  }

  /**
   * Stops watching the runs watched here, recording nothing, giving back their leases and slots: reads and
   * sweeps finish them. What a function instance does at the end of each invocation, before it is frozen.
   */
  detach(): Promise<void> {
    return this.watchers.detach();
  }

  /** Sweeps at once, then every `sweepMs` until `close`: after a restart, no run is left unwatched. */
  resume(): void {
    this.watchers.startSweeping();
  }

  /** Stops the watchers and gives their leases back, so another instance takes their runs at its next sweep. */
  close(): Promise<void> {
    return this.watchers.close();
  }

  private async mustGet(id: string): Promise<RunRecord> {
    const row = await this.repository.get(id);
    if (!row) throw new ApiError("run_not_found", `Run "${id}" does not exist.`);
    return row;
  }

  /**
   * Pulls the image when the run asks or the host lacks it, and names the digest it runs. An image found
   * present is inspected once: that answer gives the digest too.
   */
  private async ensureImage(
    client: DockerHost,
    input: RunCreate,
    auth: RegistryCredential | undefined,
    signal: AbortSignal,
  ): Promise<{ pullMs: number | null; imageDigest: string | null }> {
    const digestOf = (detail: ImageDetail) => {
      const { repository } = splitReference(input.image);
      return detail.repoDigests.find((digest) => digest.startsWith(`${repository}@`)) ?? detail.id;
    };
    const inspect = () => client.inspectImage(input.image, { signal });
    if (input.pull === "never") return { pullMs: null, imageDigest: digestOf(await inspect()) };
    if (input.pull === "missing") {
      const present = await inspect().catch((error: unknown) => {
        if (isCode(error, "image_not_found")) return undefined;
        throw error;
      });
      if (present) return { pullMs: null, imageDigest: digestOf(present) };
    }
    const pulling = performance.now();
    await client.pullImage(input.image, { auth }, undefined, { signal });
    const pullMs = elapsed(pulling);
    return { pullMs, imageDigest: digestOf(await inspect()) };
  }
}
