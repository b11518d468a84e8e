import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Json, readJson } from "../support/http.js";
import { describeWithRig, rig, rigCommand, withDaemonLock } from "../support/rig.js";
import { type RunningServer, startServer } from "../support/server.js";

async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  withinMs: number,
): Promise<T> {
  const until = Date.now() + withinMs;
  let value = await read();
  while (!ok(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

describeWithRig("hosts across server restarts and daemon outages", () => {
  let dataDir: string;
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startServer({
      PORTCALL_DATA_DIR: dataDir,
      DOCKER_HOST: "unix:///nonexistent.sock",
      ...env,
    });
    servers.push(server);
    return server;
  };
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "portcall-e2e-hosts-"));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) server.child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  });

  it("still has a host registered just before portcall was killed with SIGKILL", async () => {
    const first = await start();
    const created = await first.api(`/v1/hosts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "durable", url: rig().daemons.rig2?.dockerHost }),
    });
    expect(created.status).toBe(201);
    first.child.kill("SIGKILL");

    const second = await start();
    const res = await second.api(`/v1/hosts/durable`);
    expect(res.status).toBe(200);
    expect((await readJson(res)).url).toBe(rig().daemons.rig2?.dockerHost);
  });

  it("shows every host's status within one probe interval, and a stopped daemon as unreachable with a reason", async () => {
    const server = await start({ PORTCALL_PROBE_INTERVAL_MS: "300", PORTCALL_PROBE_TIMEOUT_MS: "500" });
    for (const name of ["rig1", "rig3"]) {
      await server.api(`/v1/hosts`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: name, url: rig().daemons[name]?.dockerHost }),
      });
    }
    const hosts = async (): Promise<Json[]> => (await readJson(await server.api(`/v1/hosts`))).items;
    const probed = await eventually(hosts, (items) => items.every((h) => h.status.reachable === true), 1_000);
    expect(probed.map((h) => [h.id, h.status.reachable])).toEqual([
      ["rig1", true],
      ["rig3", true],
    ]);
    expect(probed[0].status.latencyMs).toBeGreaterThan(0);

    await withDaemonLock("rig3", async () => {
      await rigCommand("stop", "rig3");
      try {
        const down = await eventually(hosts, (items) => items[1]?.status.reachable === false, 1_500);
        expect(down[1].status).toMatchObject({ reachable: false, latencyMs: null });
        expect(down[1].status.error).toMatch(/Host "rig3" is unavailable/);
        expect(down[0].status.reachable).toBe(true);
      } finally {
        await rigCommand("start", "rig3");
      }
      const back = await eventually(hosts, (items) => items[1]?.status.reachable === true, 1_500);
      expect(back[1].status).toMatchObject({ reachable: true, down: false, error: null });
    });
  });
});
