import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeAll, expect, it } from "vitest";
import type { Services } from "../../src/core/context.js";
import { HostRegistry } from "../../src/hosts/host-registry.js";
import { ConcurrencyLimiter, limitHolder } from "../../src/limits/concurrency-limiter.js";
import { silentLogger } from "../../src/logging/logger.js";
import { RunService } from "../../src/runs/run-service.js";
import { RUN_LABEL } from "../../src/runs/run-settler.js";
import type { RunWatchOptions } from "../../src/runs/run-watchers.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import type { HostStore } from "../../src/store/ports/hosts.js";
import { appOver, type TestApp, testServices } from "../support/app.js";
import { type Json, readJson } from "../support/http.js";
import {
  describeWithRig,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  rigHost,
  testLabel,
} from "../support/rig.js";

const iso = (ms: number) => new Date(ms).toISOString();

describeWithRig("runs: any instance can finish any run", () => {
  const label = testLabel();
  const instances: RunService[] = [];
  let services: Services;
  /** The instance the test asks: it never started the runs it is asked about. */
  let app: TestApp;

  /** Another portcall instance over the same store, with a concurrency limiter of its own as each has. */
  const instance = (watch: Partial<RunWatchOptions> = {}, hosts: HostRegistry = services.hosts) => {
    const limits = new ConcurrencyLimiter({ runs: 20, exec: 10, streams: 20 });
    const runs = new RunService(
      services.store.runs,
      hosts,
      limits,
      services.containerDefaults,
      silentLogger,
      120,
      { pollMs: 100, ...watch },
    );
    instances.push(runs);
    return { runs, limits };
  };

  /** Starts a run on an instance that then stops watching it, as if it had crashed or been frozen. */
  const startOn = async (runs: RunService, cmd: string[], spec: Json = {}) => {
    const res = await (await appOver({ ...services, runs })).request("/v1/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        host: "rig1",
        image: rig().images.busybox,
        cmd,
        wait: false,
        remove: true,
        labels: { [label.key]: label.value },
        ...spec,
      }),
    });
    expect(res.status).toBe(202);
    return readJson(res);
  };
  const startUnwatched = async (cmd: string[], spec: Json = {}) => {
    const { runs } = instance();
    const run = await startOn(runs, cmd, spec);
    await runs.close();
    return run;
  };
  const containerEnded = (run: Json) => rigDocker("rig1").getContainer(run.containerId).wait();
  const stored = (run: Json) => services.store.runs.get(run.id);
  /** Leases the run to an instance that will never renew it nor record anything: a crashed or frozen one. */
  const leaseToGone = (run: Json, forMs: number) =>
    services.store.runs.claimWatch(
      run.id,
      { owner: "inst_gone", until: iso(Date.now() + forMs) },
      iso(Date.now()),
    );
  /** Waits (up to `ms`) until the store says nothing is left to do for the run: its end, and its removal. */
  const settledInStore = async (run: Json, ms: number) => {
    const done = (row: Awaited<ReturnType<typeof stored>>) =>
      row !== undefined && row.status !== "running" && (row.removed || !row.remove);
    for (const until = Date.now() + ms; !done(await stored(run)) && Date.now() < until; ) await sleep(100);
    return stored(run);
  };
  const getRun = async (run: Json, query = "") => readJson(await app.request(`/v1/runs/${run.id}${query}`));
  const holderOf = async (run: Json) =>
    limitHolder({ issuer: "portcall", subject: (await stored(run))?.subject ?? "" });

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
  });
  // A store of its own for each test: a sweep's count is of that test's runs only.
  const fresh = async () => {
    services = await testServices({ hosts: [rigHost("rig1")] });
    app = await appOver(services);
  };
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((runs) => runs.close()));
    await services.runs.close();
    await removeLabelled(rigDocker("rig1"), label.filter);
  });

  it("records on a GET the end of a run whose container ended while no instance watched it", async () => {
    await fresh();
    const run = await startUnwatched(["sh", "-c", "sleep 1; echo out; echo err >&2; exit 3"]);
    await containerEnded(run);
    expect(await stored(run)).toMatchObject({ status: "running", removed: false });

    const res = await app.request(`/v1/runs/${run.id}`);
    expect(res.status).toBe(200);
    const body = await readJson(res);
    // Exactly what its watcher would have recorded: exit code, output, phases, and the removal it asked for.
    expect(body).toMatchObject({
      status: "exited",
      exitCode: 3,
      output: { stdout: "out\n", stderr: "err\n", truncated: false },
      removed: true,
      phases: { createMs: expect.any(Number), startMs: expect.any(Number), runMs: expect.any(Number) },
    });
    expect(body.durationMs).toBe(body.phases.runMs);
    await expect(rigDocker("rig1").getContainer(run.containerId).inspect()).rejects.toThrow();
  });

  it("leaves a GET of a run whose container still runs as it is, and records it lost once its container is gone", async () => {
    await fresh();
    const run = await startUnwatched(["sleep", "300"], { remove: false });
    expect(await readJson(await app.request(`/v1/runs/${run.id}`))).toMatchObject({ status: "running" });
    await rigDocker("rig1").getContainer(run.containerId).remove({ force: true });
    expect(await readJson(await app.request(`/v1/runs/${run.id}`))).toMatchObject({
      status: "lost",
      error: "the container was removed before its end was seen",
    });
  });

  it("sweeps: finishes the runs nobody watches and watches those still running, counted where watched", async () => {
    await fresh();
    const ended = await startUnwatched(["sh", "-c", "sleep 1; echo one; exit 4"], { remove: false });
    const goesOn = await startUnwatched(["sh", "-c", "sleep 4; echo two"]);
    await containerEnded(ended);
    const sweeper = instance();

    expect(await sweeper.runs.sweep()).toBe(2);
    expect(await stored(ended)).toMatchObject({
      status: "exited",
      exit_code: 4,
      output: { stdout: "one\n" },
      removed: false,
    });
    expect(await stored(goesOn)).toMatchObject({ status: "running" });
    expect(sweeper.limits.inUse(await holderOf(goesOn), "runs")).toBe(1);
    // Watched here now: the next sweep has nothing to take.
    expect(await sweeper.runs.sweep()).toBe(0);

    expect(await sweeper.runs.settle(goesOn.id, 15_000)).toMatchObject({
      status: "exited",
      exit_code: 0,
      output: { stdout: "two\n" },
      removed: true,
    });
    expect(sweeper.limits.inUse(await holderOf(goesOn), "runs")).toBe(0);
  });

  it("takes a run over by the periodic sweep once its crashed instance's lease lapsed, not before", async () => {
    await fresh();
    const run = await startUnwatched(["sh", "-c", "sleep 1; echo late"]);
    const leaseMs = 4_000;
    const lapses = Date.now() + leaseMs;
    expect(await leaseToGone(run, leaseMs)).toBe(true);
    const other = instance({ sweepMs: 100 });
    expect(await other.runs.sweep()).toBe(0);

    // Passes every 100 ms while the lease holds: none takes the run, though its container ends meanwhile.
    other.runs.resume();
    await containerEnded(run);
    await sleep(500);
    expect(other.limits.inUse(await holderOf(run), "runs")).toBe(0);
    expect((await stored(run))?.status).toBe("running");
    const row = await settledInStore(run, 20_000);
    expect(Date.now()).toBeGreaterThanOrEqual(lapses);
    expect(row).toMatchObject({
      status: "exited",
      output: { stdout: "late\n" },
      removed: true,
    });
  });

  it("keeps its runs while it renews their leases, and gives back the slot of one taken over", async () => {
    await fresh();
    // Renews within its lease: no sweep elsewhere can take its run, for several times the lease's length. The
    // lease has room for many renewals, so a worker that stalls for a while does not let it lapse.
    const leaseMs = 1_500;
    const steady = instance({ leaseMs, renewMs: 100 });
    const kept = await startOn(steady.runs, ["sleep", "300"]);
    const other = instance();
    for (const until = Date.now() + 3 * leaseMs; Date.now() < until; await sleep(200)) {
      expect(await other.runs.sweep()).toBe(0);
    }

    // Stalls past its lease (renews only long after it lapsed): the other instance takes the run as soon as it
    // lapsed, and once the stalled one learns it at its renewal, the run counts where it is watched only.
    const stalled = instance({ leaseMs: 200, renewMs: 5_000 });
    const taken = await startOn(stalled.runs, ["sleep", "300"]);
    const holder = await holderOf(taken);
    expect(stalled.limits.inUse(holder, "runs")).toBe(1);
    let swept = 0;
    for (let tries = 0; swept === 0 && tries < 40; tries += 1) {
      await sleep(100);
      swept = await other.runs.sweep();
    }
    expect(swept).toBe(1);
    expect(other.limits.inUse(holder, "runs")).toBe(1);
    for (let tries = 0; stalled.limits.inUse(holder, "runs") > 0 && tries < 150; tries += 1) await sleep(100);
    expect(stalled.limits.inUse(holder, "runs")).toBe(0);
    expect(other.limits.inUse(holder, "runs")).toBe(1);
    expect(steady.limits.inUse(await holderOf(kept), "runs")).toBe(1);
    expect((await stored(kept))?.status).toBe("running");
  });

  it("answers a wait on an instance without the lease once the run ends, its watcher alive or gone", async () => {
    await fresh();
    const watched = await startOn(instance().runs, ["sh", "-c", "sleep 1; echo alive; exit 2"]);
    const frozen = await startUnwatched(["sh", "-c", "sleep 1; echo frozen; exit 6"]);
    expect(await leaseToGone(frozen, 600_000)).toBe(true);

    const wait = (run: Json) => app.request(`/v1/runs/${run.id}/wait?timeoutSeconds=20`);
    const [alive, gone] = await Promise.all([wait(watched), wait(frozen)]);
    expect(alive.status).toBe(200);
    expect(await readJson(alive)).toMatchObject({
      status: "exited",
      exitCode: 2,
      output: { stdout: "alive\n" },
    });
    expect(gone.status).toBe(200);
    expect(await readJson(gone)).toMatchObject({
      status: "exited",
      exitCode: 6,
      output: { stdout: "frozen\n" },
      removed: true,
    });
  });

  it("cancels a run from an instance that does not watch it, its watcher alive or gone", async () => {
    await fresh();
    const watched = await startOn(instance().runs, ["sleep", "300"]);
    const unwatched = await startUnwatched(["sleep", "300"]);
    for (const run of [watched, unwatched]) {
      const res = await app.request(`/v1/runs/${run.id}/cancel?graceSeconds=0`, { method: "POST" });
      expect(res.status).toBe(200);
      expect(await readJson(res)).toMatchObject({ status: "cancelled", removed: true });
    }
  });
  it("leaves a run another instance watches as it is when its container is out of sight here, and records it lost once nobody does", async () => {
    await fresh();
    const run = await startUnwatched(["sleep", "300"], { remove: false });
    expect(await leaseToGone(run, 600_000)).toBe(true);
    // As a replica sees a run on another replica's own daemon (each has its own unix socket): no such container.
    await rigDocker("rig1").getContainer(run.containerId).remove({ force: true });

    expect(await getRun(run)).toMatchObject({ status: "running" });
    expect(await getRun(run, "/wait?timeoutSeconds=1")).toMatchObject({ status: "running" });
    expect((await stored(run))?.status).toBe("running");

    await services.store.runs.releaseWatch(run.id, "inst_gone");
    expect(await getRun(run)).toMatchObject({
      status: "lost",
      error: "the container was removed before its end was seen",
    });
  });

  it("leaves a run whose output a read cannot get to its watcher, which records its end without it", async () => {
    await fresh();
    const first = await startUnwatched(["true"], { remove: false });
    await getRun(first);
    const template = await stored(first);
    if (!template) throw new Error("the first run is not stored");
    // A container whose daemon keeps no log of it: nobody can read its output.
    const id = `run_${randomBytes(12).toString("hex")}`;
    const container = await rigDocker("rig1").createContainer({
      Image: rig().images.busybox,
      Cmd: ["echo", "kept nowhere"],
      Labels: { [label.key]: label.value, [RUN_LABEL]: id },
      HostConfig: { LogConfig: { Type: "none", Config: {} } },
    });
    await container.start();
    await container.wait();
    const { State } = await container.inspect();
    const run = { id, containerId: container.id };
    await services.store.runs.insert(
      {
        ...template,
        id,
        container_id: container.id,
        status: "running",
        exit_code: null,
        error: null,
        output: null,
        started_at: State.StartedAt,
        finished_at: null,
      },
      { owner: "inst_gone", until: iso(Date.now() + 600_000) },
    );

    // Neither while another instance holds the lease, nor holding it for the read.
    expect(await getRun(run)).toMatchObject({ status: "running" });
    await services.store.runs.releaseWatch(id, "inst_gone");
    expect(await getRun(run)).toMatchObject({ status: "running" });
    expect(await stored(run)).toMatchObject({ status: "running", output: null });

    expect(await instance().runs.sweep()).toBe(1);
    expect(await stored(run)).toMatchObject({
      status: "exited",
      exit_code: 0,
      output: null,
      error: expect.stringMatching(/output could not be read/),
    });
  });

  it("waits out a store that does not answer for the hosts, rather than record its runs lost", async () => {
    await fresh();
    const run = await startUnwatched(["sh", "-c", "sleep 1; echo back"]);
    // An instance that has not read the hosts yet, over a store that does not answer it for now.
    let storeDown = true;
    const hostStore = new Proxy<HostStore>(services.store.hosts, {
      get(target, key) {
        if (key === "fingerprint" && storeDown) return () => Promise.reject(new Error("connection refused"));
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const options = {
      callTimeoutMs: 10_000,
      probeTimeoutMs: 2_000,
      failureThreshold: 3,
      retryIntervalMs: 5_000,
    };
    const hosts = new HostRegistry(hostStore, SecretBox.fromKey(randomBytes(32)), options, silentLogger);
    try {
      expect(await instance({}, hosts).runs.sweep()).toBe(1);
      expect((await stored(run))?.status).toBe("running");

      storeDown = false;
      expect(await settledInStore(run, 15_000)).toMatchObject({
        status: "exited",
        output: { stdout: "back\n" },
        removed: true,
      });
    } finally {
      await hosts.close();
    }
  });
});
