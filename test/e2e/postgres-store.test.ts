import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readJson } from "../support/http.js";
import { createDatabase, type TestDatabase } from "../support/postgres.js";
import { describeWithRig, rig, rigDocker, rigHost } from "../support/rig.js";
import { startDetachedRun } from "../support/runs.js";
import { portcallCli, type RunningServer, startServer } from "../support/server.js";

describeWithRig("two portcall servers over one PostgreSQL database", () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let servers: RunningServer[] = [];
  const cli = (...args: string[]) => portcallCli(env, ...args);

  beforeAll(async () => {
    database = await createDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "portcall-e2e-pg-"));
    env = {
      PORTCALL_DATABASE_URL: database.url,
      // The replicas' keys are shared; the data folder holds them here, and no store.
      PORTCALL_DATA_DIR: dataDir,
      DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "",
    };
    // Both start at once on the empty database: two CLIs migrate it together, then two servers race to
    // register the local host.
    servers = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    for (const server of servers) server.child.kill("SIGKILL");
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps everything in the database, and registers the local host once for both", async () => {
    expect(existsSync(join(dataDir, "portcall.db"))).toBe(false);
    for (const server of servers) {
      const { items } = (await readJson(await server.api("/v1/hosts"))) as { items: Array<{ id: string }> };
      expect(items.map((host) => host.id)).toEqual(["local"]);
    }
  });

  it("accepts on both servers a token the CLI made, and refuses it on both once the CLI revoked it", async () => {
    const token = (await cli("token", "create", "--name", "shared", "--scope", "hosts:read")).trim();
    const headers = { Authorization: `Bearer ${token}` };
    for (const server of servers) expect((await server.api("/v1/hosts", { headers })).status).toBe(200);

    const listed = JSON.parse(await cli("token", "list")) as Array<{ id: string; name: string }>;
    expect(listed.map((entry) => entry.name).sort()).toEqual(["e2e-admin", "e2e-admin", "shared"]);
    await cli("token", "revoke", listed.find((entry) => entry.name === "shared")?.id ?? "");
    for (const server of servers) expect((await server.api("/v1/hosts", { headers })).status).toBe(401);
  });

  const [a, b] = [0, 1].map((index) => () => {
    const server = servers[index];
    if (!server) throw new Error("the servers did not start");
    return server;
  }) as [() => RunningServer, () => RunningServer];
  const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

  it("refuses on B a token revoked through A, at its next request", async () => {
    const minted = await readJson(
      await a().api(
        "/v1/tokens",
        json({ name: "revoked-on-a", scopes: ["hosts:read"], hosts: ["*"], ttl: "1h" }),
      ),
    );
    const headers = { Authorization: `Bearer ${minted.token}` };
    expect((await b().api("/v1/hosts", { headers })).status).toBe(200);
    expect((await a().api(`/v1/tokens/${minted.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await b().api("/v1/hosts", { headers })).status).toBe(401);
  });

  it("makes one container of an Idempotency-Key sent to A and B at once", async () => {
    const key = `replicas-${randomUUID()}`;
    const label = `portcall.test.replicas=${key}`;
    const spec = {
      image: rig().images.busybox,
      cmd: ["sleep", "1"],
      labels: { "portcall.test.replicas": key },
    };
    // One caller (one token) retrying on another replica: keys belong to their caller.
    const headers = { "Idempotency-Key": key, Authorization: `Bearer ${a().token}` };
    const answers = await Promise.all(
      [a(), b()].map((server) => server.api("/v1/hosts/local/containers", json(spec, headers))),
    );
    expect(answers.map((res) => res.status)).toEqual([201, 201]);
    const [first, second] = await Promise.all(answers.map((res) => readJson(res)));
    expect(second.id).toBe(first.id);
    expect(answers.map((res) => res.headers.get("idempotent-replayed")).sort()).toEqual([null, "true"]);
    const made = await rigDocker("rig1").listContainers({ all: true, filters: { label: [label] } });
    expect(made).toHaveLength(1);
    await rigDocker("rig1").getContainer(first.id).remove({ force: true });
  });

  it("audits an anonymous request to a path with %00, and refuses a run label holding NUL", async () => {
    const anonymous = await fetch(`${a().url}/v1/hosts/%00`, {
      method: "DELETE",
      headers: { Authorization: "Bearer not-a-token" },
    });
    expect(anonymous.status).toBe(401);
    await expect
      .poll(async () => (await readJson(await b().api("/v1/audit?limit=20"))).items, { timeout: 5_000 })
      .toContainEqual(expect.objectContaining({ status: 401, path: "/v1/hosts/␀", host: "␀" }));

    const labelled = await a().api(
      "/v1/runs",
      json({ host: "local", image: rig().images.busybox, cmd: ["true"], labels: { x: "\u0000" } }),
    );
    expect(labelled.status).toBe(400);
    expect((await b().api("/v1/runs?label=x")).status).toBe(200);
  });

  it("uses on B, without a restart, a host added through A and one added with the CLI", async () => {
    const viaApi = `via-a-${randomUUID().slice(0, 6)}`;
    const viaCli = `via-cli-${randomUUID().slice(0, 6)}`;
    expect((await a().api("/v1/hosts", json(rigHost("rig2", viaApi)))).status).toBe(201);
    await cli("hosts", "add", viaCli, `unix://${rig().daemons.rig2?.socket}`);
    for (const id of [viaApi, viaCli]) {
      await expect
        .poll(async () => (await b().api(`/v1/hosts/${id}/containers?all=true`)).status, { timeout: 10_000 })
        .toBe(200);
    }
  });

  const startRun = async (cmd: string[]) =>
    (await startDetachedRun(a(), cmd, { labels: { "portcall.test.replicas": "runs" } })).id as string;

  it("waits on and cancels from B a run started on A", async () => {
    const id = await startRun(["sleep", "60"]);
    const waited = await b().api(`/v1/runs/${id}/wait?timeoutSeconds=1`);
    expect(waited.status).toBe(202);
    expect((await readJson(waited)).status).toBe("running");
    const cancelled = await b().api(`/v1/runs/${id}/cancel?graceSeconds=1`, { method: "POST" });
    expect([200, 202]).toContain(cancelled.status);
    const ended = await readJson(await b().api(`/v1/runs/${id}/wait?timeoutSeconds=30`));
    expect(ended.status).toBe("cancelled");
    expect((await readJson(await a().api(`/v1/runs/${id}`))).status).toBe("cancelled");
  });

  it("finishes on B, and records, a run whose process A was killed with SIGKILL", async () => {
    const id = await startRun(["sh", "-c", "sleep 2; echo done on its own; exit 7"]);
    const killed = once(a().child, "exit");
    a().child.kill("SIGKILL");
    await killed;
    const ended = await readJson(await b().api(`/v1/runs/${id}/wait?timeoutSeconds=30`));
    expect(ended).toMatchObject({ status: "exited", exitCode: 7 });
    expect(ended.output.stdout).toContain("done on its own");
    // Recorded in the store, not only answered: B reads it back as stored.
    expect((await readJson(await b().api(`/v1/runs/${id}`))).exitCode).toBe(7);
  });
});
