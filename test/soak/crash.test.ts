import { once } from "node:events";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Json, readJson } from "../support/http.js";
import { describeWithRig } from "../support/rig.js";
import { type FreshServer, type RunningServer, startFreshServer, startServer } from "../support/server.js";
import { type SoakDaemon, startSoakDaemon } from "./support/soak-daemon.js";

describeWithRig("kill -9 during a burst of writes", () => {
  let daemon: SoakDaemon;
  let server: FreshServer;
  const later: RunningServer[] = [];

  beforeAll(async () => {
    daemon = await startSoakDaemon();
    server = await startFreshServer({ DOCKER_HOST: daemon.dockerHost });
  });
  afterAll(async () => {
    for (const { child } of later) child.kill("SIGKILL");
    await server?.discard();
  });

  it("keeps the store intact and every write it acknowledged", async () => {
    const json = (method: string, body: unknown) => ({
      method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const tokens: string[] = [];
    const hosts: string[] = [];
    let labelled = -1;
    let next = 0;
    let stop = false;
    // Each loop sends its next write as soon as the last one was answered, until the process is gone.
    const loop = async (write: (n: number) => Promise<void>) => {
      while (!stop) {
        const n = next++;
        await write(n).catch(() => {
          stop = true;
        });
      }
    };
    const createToken = async (n: number) => {
      const res = await server.api(
        "/v1/tokens",
        json("POST", { name: `burst-${n}`, scopes: ["containers:read"], hosts: ["*"], ttl: "1h" }),
      );
      if (res.status === 201) tokens.push((await readJson(res)).id);
    };
    const createHost = async (n: number) => {
      const res = await server.api("/v1/hosts", json("POST", { id: `burst-${n}`, url: daemon.dockerHost }));
      if (res.status === 201) hosts.push(`burst-${n}`);
    };
    const relabel = async (n: number) => {
      const res = await server.api("/v1/hosts/local", json("PATCH", { labels: { n: String(n) } }));
      if (res.status === 200) labelled = Math.max(labelled, n);
    };
    const burst = Promise.all([
      ...Array.from({ length: 6 }, () => loop(createToken)),
      ...Array.from({ length: 3 }, () => loop(createHost)),
      loop(relabel),
    ]);
    // Killed in the middle of it: once every kind of write has been acknowledged a few times over.
    const until = Date.now() + 20_000;
    while (!(tokens.length >= 20 && hosts.length >= 5 && labelled >= 5) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const exited = once(server.child, "exit");
    server.child.kill("SIGKILL");
    await exited;
    stop = true;
    await burst;
    expect(tokens.length).toBeGreaterThanOrEqual(20);
    expect(hosts.length).toBeGreaterThanOrEqual(5);
    expect(labelled).toBeGreaterThanOrEqual(5);

    const store = new Database(join(server.dataDir, "portcall.db"));
    try {
      expect(store.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      store.close();
    }

    const restarted = await startServer({
      DOCKER_HOST: daemon.dockerHost,
      PORTCALL_DATA_DIR: server.dataDir,
    });
    later.push(restarted);
    const stored = async (path: string): Promise<Json[]> => (await readJson(await restarted.api(path))).items;
    const tokenIds = new Set((await stored("/v1/tokens")).map((token) => token.id));
    expect(tokens.filter((id) => !tokenIds.has(id))).toEqual([]);
    const listed = await stored("/v1/hosts");
    const hostIds = new Set(listed.map((host) => host.id));
    expect(hosts.filter((id) => !hostIds.has(id))).toEqual([]);
    // The last acknowledged label, or one written after it whose answer the kill cut off.
    const local = listed.find((host) => host.id === "local");
    expect(Number(local?.labels.n)).toBeGreaterThanOrEqual(labelled);
  });
});
