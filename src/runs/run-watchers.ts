import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerExit } from "../docker/docker-host.js";
import type { HostRegistry } from "../hosts/host-registry.js";
import { type ConcurrencyLimiter, limitHolder } from "../limits/concurrency-limiter.js";
import type { Logger } from "../logging/logger.js";
import type { RunLease, RunStore, UnfinishedRun } from "../store/ports/runs.js";
import { isCode, type Looker, lost, RunSettler } from "./run-settler.js";

/** How this instance shares the watching of runs with the others over the same store. */
export type RunWatchOptions = {
  /** This instance's id, the owner of its leases: made at start, so a restarted process is a new instance. */
  instanceId: string;
  /** How long a lease holds without renewal: how long a crashed instance's runs wait for another to watch them. */
  leaseMs: number;
  /** How often the leases held are renewed: well within `leaseMs`, so a live instance never loses one. */
  renewMs: number;
  /** How often a sweep looks for runs nobody watches. */
  sweepMs: number;
  /** How often a wait on a run another instance watches reads it again. */
  pollMs: number;
};

export const DEFAULT_RUN_WATCH: Omit<RunWatchOptions, "instanceId"> = {
  leaseMs: 30_000,
  renewMs: 10_000,
  sweepMs: 15_000,
  pollMs: 1_000,
};

export const newInstanceId = () => `inst_${randomBytes(8).toString("hex")}`;

type Watcher = {
  /** Settles once the watcher is done: the run's end recorded and its container removed if asked. */
  done: Promise<void>;
  /** Gives back the concurrency slot the run holds here. */
  release: () => void;
};

/**
 * The runs this instance watches, each under a lease in the store that it renews while it watches. An instance
 * that dies stops renewing; once its leases lapse, the sweep of any other instance takes its runs over.
 *
 * Concurrency slots stay per instance (the limiter is in memory): a run counts on the instance that watches it,
 * so a run taken over counts where it is watched now and no longer where it was lost. Counting across instances
 * would cost a store write per slot and leave slots of a crashed instance held until its leases lapse; a subject
 * spread over N replicas can have N times its limit going, which the limit's purpose (no one subject filling a
 * host) tolerates.
 */
export class RunWatchers {
  private readonly watchers = new Map<string, Watcher>();
  /** The runs whose lease this instance holds: those watched, and those being started. */
  private readonly held = new Set<string>();
  /** The runs a read here holds the lease of while it looks. */
  private readonly reading = new Set<string>();
  private readonly life = new AbortController();
  /** Ends the watchers of now (and the Docker waits armed for them), not the instance: see `detach`. */
  private session = new AbortController();
  private watchSignal = AbortSignal.any([this.life.signal, this.session.signal]);
  private renewer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly repository: RunStore,
    private readonly hosts: HostRegistry,
    private readonly limits: ConcurrencyLimiter,
    private readonly logger: Logger,
    readonly options: RunWatchOptions,
  ) {}

  /** Aborted when portcall shuts down: what runs hold on to (Docker waits, reads) ends with it. */
  get signal(): AbortSignal {
    return this.life.signal;
  }

  /** What a run's watcher holds on to (its Docker wait above all): aborted by `detach` as well. */
  get watcherSignal(): AbortSignal {
    return this.watchSignal;
  }

  /** A lease for a run this instance is starting: it is renewed from now on, as if it were watched already. */
  leaseFor(id: string): RunLease {
    this.held.add(id);
    this.renewEvery();
    return this.lease();
  }

  /** Lets go of the lease of a run that did not start (its record is gone). */
  forget(id: string): void {
    this.held.delete(id);
  }

  /**
   * Runs `look` on a run not watched here, telling it who it looks as: a `reader` holding the run's lease
   * meanwhile when nobody else holds a live one, else an `onlooker` (the lease is another instance's, or this
   * instance is starting the run, or another read here holds it already).
   */
  async whileLeased<T>(id: string, look: (looker: Looker) => Promise<T>): Promise<T> {
    if (this.held.has(id) || this.reading.has(id)) return look("onlooker");
    this.reading.add(id);
    try {
      const leased = await this.repository.claimWatch(id, this.lease(), new Date().toISOString());
      try {
        return await look(leased ? "reader" : "onlooker");
      } finally {
        // A sweep here may have taken the run meanwhile (the lease was this instance's already): it keeps it.
        if (leased && !this.held.has(id)) await this.releaseLease(id);
      }
    } finally {
      this.reading.delete(id);
    }
  }

  /** The watcher of the run here, if this instance watches it. */
  watching(id: string): Promise<void> | undefined {
    return this.watchers.get(id)?.done;
  }

  /**
   * Watches a run this instance holds the lease of, until its end is recorded and its container removed if
   * asked; `release` gives back its concurrency slot then. Resolves once the watcher is done or waits for a
   * container that still runs (or for its host to answer), so a sweep's pass has recorded every end it could.
   */
  watch(id: string, release: () => void, armed?: Promise<ContainerExit>): Promise<void> {
    if (this.watchers.has(id)) {
      release();
      return Promise.resolve();
    }
    let waiting = () => {};
    const settled = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const done = this.follow(id, armed, waiting, this.watchSignal)
      .catch((error: unknown) =>
        this.logger.error("a run's watcher failed", { run: id, error: String(error) }),
      )
      .finally(async () => {
        release();
        this.watchers.delete(id);
        // Given back at once, also when portcall shuts down: another instance need not wait for it to lapse.
        if (this.held.delete(id)) await this.releaseLease(id);
      });
    this.watchers.set(id, { done, release });
    return Promise.race([settled, done]);
  }

  /**
   * One pass: takes the lease of every run nobody watches (never leased, released, or lapsed with a dead
   * instance) and watches it here. Answers how many it took: each has its end recorded by then, or is waited
   * for. Passes do not overlap: one asked for while another goes on answers that one's count.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Sweeps now and every `sweepMs` until `close`. */
  startSweeping(): void {
    if (this.sweeper || this.life.signal.aborted) return;
    const pass = () =>
      void this.sweep().catch((error: unknown) =>
        this.logger.error("could not sweep the unwatched runs", { error: String(error) }),
      );
    pass();
    this.sweeper = setInterval(pass, this.options.sweepMs).unref();
  }

  /**
   * Stops every watcher here without recording anything, each giving back its slot and its lease: the runs are
   * left to reads and sweeps. For a function instance once it answered: it is frozen until its next invocation,
   * which its watchers would outlive unable to do anything, their Docker waits maybe cut meanwhile, while their
   * leases and slots stayed held and reads here trusted them.
   */
  async detach(): Promise<void> {
    const stopping = this.session;
    this.session = new AbortController();
    this.watchSignal = AbortSignal.any([this.life.signal, this.session.signal]);
    stopping.abort(new Error("this instance no longer watches its runs"));
    await Promise.allSettled([...this.watchers.values()].map((watcher) => watcher.done));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    clearInterval(this.renewer);
    this.life.abort(new Error("portcall is shutting down"));
    await this.sweeping?.catch(() => {});
    await Promise.allSettled([...this.watchers.values()].map((watcher) => watcher.done));
  }

  private releaseLease(id: string): Promise<void> {
    return this.repository
      .releaseWatch(id, this.options.instanceId)
      .catch((error: unknown) =>
        this.logger.warn("could not release a run's lease", { run: id, error: String(error) }),
      );
  }

  private lease(): RunLease {
    return {
      owner: this.options.instanceId,
      until: new Date(Date.now() + this.options.leaseMs).toISOString(),
    };
  }

  private async sweepOnce(): Promise<number> {
    const now = new Date().toISOString();
    const rows = await this.repository.listUnwatched(now);
    const taken = await Promise.all(
      rows.map(async (row) => {
        if (this.life.signal.aborted) return false;
        const mine = await this.repository.claimWatch(row.id, this.lease(), now);
        // A lease of its own that lapsed (the store was out of reach, or this process stalled) is kept on, for
        // a run watched here or one being started here, which must not be looked at as one never started.
        if (this.held.has(row.id) || this.watchers.has(row.id)) {
          if (mine) this.held.add(row.id);
          else this.lost(row.id);
          return false;
        }
        if (!mine) return false;
        await this.adopt(row);
        return true;
      }),
    );
    return taken.filter(Boolean).length;
  }

  /** A run taken over counts against its subject here from now on, as any run watched here does. */
  private adopt(row: UnfinishedRun): Promise<void> {
    this.held.add(row.id);
    this.renewEvery();
    const slot = row.status === "running" ? this.limits.occupy(limitHolder(row), "runs") : () => {};
    return this.watch(row.id, slot);
  }

  private renewEvery(): void {
    if (this.renewer || this.life.signal.aborted) return;
    this.renewer = setInterval(() => void this.renew(), this.options.renewMs).unref();
  }

  private async renew(): Promise<void> {
    const ids = [...this.held];
    if (ids.length === 0) return;
    try {
      const kept = new Set(
        await this.repository.renewWatches(this.options.instanceId, ids, this.lease().until),
      );
      for (const id of ids) if (!kept.has(id) && this.held.has(id)) this.lost(id);
    } catch (error) {
      this.logger.warn("could not renew the leases of the runs watched here", { error: String(error) });
    }
  }

  /**
   * Another instance took the run over after this one's lease lapsed: it counts there now. The watcher here
   * goes on (its end, if it sees it first, is the same end), but gives its slot back.
   */
  private lost(id: string): void {
    this.held.delete(id);
    this.watchers.get(id)?.release();
    this.logger.warn("another instance took over a run watched here", { run: id });
  }

  /**
   * Waits for the run's end and records it. A host that drops out is waited for (with backoff) rather than
   * given up on: the container may well still be running there. Only a container that is gone, or a host that
   * the store says is gone, makes it lost.
   */
  private async follow(
    id: string,
    armed: Promise<ContainerExit> | undefined,
    waiting: () => void,
    signal: AbortSignal,
  ) {
    const settler = new RunSettler(this.repository, signal);
    let ended = armed;
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      const row = await this.repository.get(id);
      if (!row) return;
      try {
        if (!(await this.stillRegistered(row.host))) {
          if (row.status === "running")
            await settler.end(row, lost(`host "${row.host}" is no longer registered`));
          return;
        }
        const client = await this.hosts.get(row.host);
        if (row.status !== "running") return await settler.removeContainer(row, client);
        if (!ended) {
          // This instance holds the lease: whoever started the run is gone, or is this instance and started it.
          if ((await settler.look(row, client, "watcher")) === "ended") return;
          ({ ended } = await client.armExitWait(row.container_id, "not-running", { signal }));
        }
        waiting();
        await ended;
        return await settler.finish(id, client);
      } catch (error) {
        ended = undefined;
        if (signal.aborted) return;
        if (isCode(error, "container_not_found")) {
          return await settler.end(row, lost("the container was removed before its end was seen"));
        }
        waiting();
        this.logger.warn("waiting for a run's host", { run: id, host: row.host, error: String(error) });
        await sleep(Math.min(30_000, 500 * 2 ** attempt), undefined, { signal }).catch(() => {});
      }
    }
  }

  /**
   * Whether the host is registered, by the store's word: another instance may have registered it since this one
   * last read the hosts. A store out of reach throws (and the watcher tries again later) rather than answer no.
   */
  private async stillRegistered(host: string): Promise<boolean> {
    if (this.hosts.find(host)) return true;
    await this.hosts.refresh();
    return this.hosts.find(host) !== undefined;
  }
}
