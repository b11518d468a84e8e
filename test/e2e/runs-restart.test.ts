import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readJson } from "../support/http.js";
import { describeWithRig, ensureImage, removeLabelled, rig, rigDocker, testLabel } from "../support/rig.js";
import { startDetachedRun } from "../support/runs.js";
import { type RunningServer, startServer } from "../support/server.js";

describeWithRig("runs across a restart of portcall", () => {
  const label = testLabel();
  let dataDir: string;
  let env: Record<string, string>;
  const servers: RunningServer[] = [];

  const start = async () => {
    const server = await startServer(env);
    servers.push(server);
    return server;
  };
  const stop = async (server: RunningServer) => {
    server.child.kill("SIGTERM");
    await once(server.child, "exit");
  };
  const startRun = (server: RunningServer, cmd: string[], remove: boolean) =>
    startDetachedRun(server, cmd, { remove, labels: { [label.key]: label.value } });

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    dataDir = await mkdtemp(join(tmpdir(), "portcall-runs-"));
    env = { DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "", PORTCALL_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    for (const server of servers) server.child.kill("SIGKILL");
    await removeLabelled(rigDocker("rig1"), label.filter);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("records the result of runs that ended, or vanished, while portcall was down", async () => {
    const before = await start();
    const finishes = await startRun(before, ["sh", "-c", "sleep 2; echo done; exit 7"], true);
    const outlives = await startRun(before, ["sh", "-c", "sleep 6; echo later; exit 5"], false);
    const vanishes = await startRun(before, ["sleep", "300"], false);
    const interrupted = await startRun(before, ["sleep", "300"], false);
    await stop(before);

    // As if portcall had died between storing a run and starting its container: the run points at a container
    // that was created and never started. Its end must not be read as an exit with code 0.
    const neverStarted = await rigDocker("rig1").createContainer({
      Image: rig().images.busybox,
      Cmd: ["true"],
      Labels: { [label.key]: label.value },
    });
    await rigDocker("rig1").getContainer(interrupted.containerId).remove({ force: true });
    const store = new Database(join(dataDir, "portcall.db"));
    store
      .prepare("UPDATE runs SET container_id = ?, started_at = NULL WHERE id = ?")
      .run(neverStarted.id, interrupted.id);
    store.close();

    // While portcall is down: the first run ends, the third's container is removed behind its back.
    await rigDocker("rig1").getContainer(vanishes.containerId).remove({ force: true });
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const after = await start();
    const waitFor = async (id: string) => {
      const res = await after.api(`/v1/runs/${id}/wait?timeoutSeconds=20`);
      expect(res.status).toBe(200);
      return readJson(res);
    };
    expect(await waitFor(finishes.id)).toMatchObject({
      status: "exited",
      exitCode: 7,
      output: { stdout: "done\n" },
      removed: true,
    });
    // Still running at the restart: the new process waits for it as the old one would have.
    expect(await waitFor(outlives.id)).toMatchObject({
      status: "exited",
      exitCode: 5,
      output: { stdout: "later\n" },
      removed: false,
    });
    expect(await waitFor(vanishes.id)).toMatchObject({
      status: "lost",
      error: expect.stringContaining("removed"),
    });
    expect(await waitFor(interrupted.id)).toMatchObject({
      status: "lost",
      exitCode: null,
      error: "portcall stopped before it started the container",
      removed: true,
    });
    await expect(neverStarted.inspect()).rejects.toThrow();
    await expect(rigDocker("rig1").getContainer(finishes.containerId).inspect()).rejects.toThrow();
    await stop(after);
  });
});
