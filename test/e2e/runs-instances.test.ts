import { once } from "node:events";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Json, readJson } from "../support/http.js";
import { describeWithRig, ensureImage, removeLabelled, rig, rigDocker, testLabel } from "../support/rig.js";
import { startDetachedRun } from "../support/runs.js";
import { type FreshServer, type RunningServer, startFreshServer, startServer } from "../support/server.js";

type StoredRun = { status: string; exit_code: number | null; output: string | null; removed: number };

describeWithRig("runs across several portcall processes on one data folder", () => {
  const label = testLabel();
  const servers: RunningServer[] = [];
  let first: FreshServer;
  const env = () => ({ DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "" });

  /** Another portcall process on the first one's data folder, as a replica on the same store. */
  const replica = async () => {
    const server = await startServer({ ...env(), PORTCALL_DATA_DIR: first.dataDir });
    servers.push(server);
    return server;
  };
  const startRun = (server: RunningServer, cmd: string[], remove: boolean) =>
    startDetachedRun(server, cmd, { remove, labels: { [label.key]: label.value } });
  const waitOn = async (server: RunningServer, run: Json) => {
    const res = await server.api(`/v1/runs/${run.id}/wait?timeoutSeconds=30`);
    expect(res.status).toBe(200);
    return readJson(res);
  };
  /** Reads the store as the processes left it, without asking any of them (a read would record the end). */
  const stored = (run: Json): StoredRun => {
    const db = new Database(join(first.dataDir, "portcall.db"), { readonly: true });
    try {
      return db
        .prepare("SELECT status, exit_code, output, removed FROM runs WHERE id = ?")
        .get(run.id) as StoredRun;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    first = await startFreshServer(env());
  });
  afterAll(async () => {
    for (const server of servers) server.child.kill("SIGKILL");
    await first?.discard();
    await removeLabelled(rigDocker("rig1"), label.filter);
  });

  it("answers a wait, and cancels, on a replica that does not watch the run", async () => {
    const other = await replica();
    const ends = await startRun(first, ["sh", "-c", "sleep 1; echo there; exit 3"], true);
    expect(await waitOn(other, ends)).toMatchObject({
      status: "exited",
      exitCode: 3,
      output: { stdout: "there\n" },
      removed: true,
    });
    const long = await startRun(first, ["sleep", "300"], true);
    const res = await other.api(`/v1/runs/${long.id}/cancel?graceSeconds=0`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await readJson(res)).toMatchObject({ status: "cancelled", removed: true });
    other.child.kill("SIGTERM");
    await once(other.child, "exit");
  });

  it("finishes, on another process, the runs of a process that was killed", async () => {
    const ends = await startRun(first, ["sh", "-c", "sleep 2; echo done; exit 7"], true);
    const outlives = await startRun(first, ["sh", "-c", "sleep 8; echo later; exit 5"], false);
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    // As if the killed process's leases had run out, for one of the runs: the next process's first sweep takes
    // that one over at once; the other stays leased to the dead process, which the test does not wait out.
    const db = new Database(join(first.dataDir, "portcall.db"));
    db.prepare("UPDATE runs SET lease_until = ? WHERE id = ?").run("2000-01-01T00:00:00.000Z", outlives.id);
    db.close();

    const second = await replica();
    // Still leased to the dead process: the wait reads its container and records its end.
    expect(await waitOn(second, ends)).toMatchObject({
      status: "exited",
      exitCode: 7,
      output: { stdout: "done\n" },
      removed: true,
    });
    await expect(rigDocker("rig1").getContainer(ends.containerId).inspect()).rejects.toThrow();

    // Taken over by the sweep: its end is recorded with no request asking for it.
    for (let tries = 0; stored(outlives).status === "running" && tries < 150; tries += 1) await sleep(100);
    const row = stored(outlives);
    expect(row).toMatchObject({ status: "exited", exit_code: 5, removed: 0 });
    expect(JSON.parse(row.output ?? "null")).toMatchObject({ stdout: "later\n" });
  });
});
