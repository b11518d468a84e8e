import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type Json, readJson } from "../../support/http.js";
import { describeWithRig, rig, rigDocker, rigHost } from "../../support/rig.js";
import { EventReader } from "../../support/sse.js";

const swarmDaemon = () => rig().swarm?.daemon ?? "rig4";

/** Polls the service's tasks meant to run until `done` holds for them; Swarm converges in seconds here. */
async function tasksUntil(app: TestApp, service: string, done: (tasks: Json[]) => boolean): Promise<Json[]> {
  const deadline = Date.now() + 30_000;
  let tasks: Json[] = [];
  while (Date.now() < deadline) {
    const res = await app.request(`/v1/hosts/swarm/services/${service}/tasks?state=running`);
    expect(res.status).toBe(200);
    tasks = (await readJson(res)).items;
    if (done(tasks)) return tasks;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`the tasks of ${service} did not converge: ${JSON.stringify(tasks)}`);
}

const running = (count: number, image: string) => (tasks: Json[]) =>
  tasks.length === count &&
  tasks.every((task) => task.state === "running" && String(task.image).startsWith(`${image}@sha256:`));

describeWithRig("Swarm services on a manager", () => {
  let app: TestApp;
  const name = `web-${randomUUID().slice(0, 8)}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    app = await testApp({ hosts: [rigHost(swarmDaemon(), "swarm")] });
  });
  afterAll(async () => {
    await rigDocker(swarmDaemon())
      .getService(name)
      .remove()
      .catch(() => {});
  });

  it("creates a service with 2 replicas of a rig-registry image, and it runs 2 tasks on the node", async () => {
    const spec = {
      name,
      image: rig().images.busybox,
      replicas: 2,
      cmd: ["sh", "-c", 'echo "hello from $HOSTNAME"; exec sleep 3600'],
      labels: { team: "web" },
      stopGracePeriodSeconds: 1,
      updateConfig: { parallelism: 0, delaySeconds: 0, order: "stop-first", failureAction: "pause" },
    };
    const key = { "Idempotency-Key": randomUUID() };
    const created = await post("/v1/hosts/swarm/services", spec, key);
    expect(created.status).toBe(201);
    const service = await readJson(created);
    expect(created.headers.get("location")).toBe(`/v1/hosts/swarm/services/${service.id}`);
    expect(service).toMatchObject({ name, mode: "replicated", replicas: 2, labels: { team: "web" } });
    // The default limits of every container are on each task too.
    expect(service.limits).toEqual({ memoryBytes: 256 * 1024 * 1024, cpus: null, pids: 512 });
    // The same key again is the same service, not a second one.
    const again = await post("/v1/hosts/swarm/services", spec, key);
    expect((await readJson(again)).id).toBe(service.id);

    const tasks = await tasksUntil(app, name, running(2, rig().images.busybox));
    const { items: nodes } = await readJson(await app.request("/v1/hosts/swarm/nodes"));
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ role: "manager", leader: true, state: "ready" });
    for (const task of tasks) expect(task).toMatchObject({ nodeId: nodes[0].id, node: nodes[0].hostname });
    expect((await readJson(await app.request(`/v1/hosts/swarm/nodes/${nodes[0].id}`))).id).toBe(nodes[0].id);
    const { items } = await readJson(await app.request("/v1/hosts/swarm/services"));
    expect(items.map((item: Json) => item.name)).toContain(name);
  });

  it("scales it to 3, and 3 tasks run; the event stream names the service of the new task", async () => {
    const events = await app.request(
      `/v1/events?host=swarm&type=container&label=com.docker.swarm.service.name=${name}`,
      { headers: { Accept: "text/event-stream" } },
    );
    const reader = new EventReader(events);
    try {
      await reader.until((e) => e.data.type === "host" && e.data.state === "attached");
      const scaled = await post(`/v1/hosts/swarm/services/${name}/scale`, { replicas: 3 });
      expect(scaled.status).toBe(200);
      expect((await readJson(scaled)).replicas).toBe(3);
      const seen = await reader.until((e) => e.data.type === "container" && e.data.action === "start");
      expect(seen.at(-1)?.data).toMatchObject({ host: "swarm", service: name });
    } finally {
      await reader.close();
    }
    await tasksUntil(app, name, running(3, rig().images.busybox));
  });

  it("shows its task containers in the fleet list, tagged with the service", async () => {
    const res = await app.request("/v1/containers?host=swarm");
    const mine = (await readJson(res)).items.filter((item: Json) => item.service === name);
    expect(mine).toHaveLength(3);
    expect(mine.every((item: Json) => item.host === "swarm" && item.state === "running")).toBe(true);
  });

  it("rolls an update to another tag through every task", async () => {
    const updated = await app.request(`/v1/hosts/swarm/services/${name}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ image: rig().images.busybox1, env: { GREETING: "second" } }),
    });
    expect(updated.status).toBe(200);
    const service = await readJson(updated);
    expect(service.image.startsWith(`${rig().images.busybox1}@sha256:`)).toBe(true);
    expect(service.previousImage.startsWith(`${rig().images.busybox}@sha256:`)).toBe(true);
    expect(service).toMatchObject({ replicas: 3, env: { GREETING: "second" }, labels: { team: "web" } });
    await tasksUntil(app, name, running(3, rig().images.busybox1));
  });

  it("rolls back to the first image", async () => {
    const rolled = await post(`/v1/hosts/swarm/services/${name}/rollback`, {});
    expect(rolled.status).toBe(200);
    expect((await readJson(rolled)).image.startsWith(`${rig().images.busybox}@sha256:`)).toBe(true);
    await tasksUntil(app, name, running(3, rig().images.busybox));
    const service = await readJson(await app.request(`/v1/hosts/swarm/services/${name}`));
    expect(service.env).toEqual({});
  });

  it("streams its tasks' logs as text and as events", async () => {
    const text = await app.request(`/v1/hosts/swarm/services/${name}/logs`, {
      headers: { Accept: "text/plain" },
    });
    expect(text.status).toBe(200);
    expect(await text.text()).toContain("hello from ");
    const events = await app.request(`/v1/hosts/swarm/services/${name}/logs?timestamps=true`, {
      headers: { Accept: "application/x-ndjson" },
    });
    const lines = (await events.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({ type: "log", stream: "stdout" });
    expect(lines.some((line) => String(line.line).includes("hello from "))).toBe(true);
  });

  it("removes it, after which it is 404 service_not_found", async () => {
    const removed = await app.request(`/v1/hosts/swarm/services/${name}`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    const gone = await app.request(`/v1/hosts/swarm/services/${name}`);
    expect(gone.status).toBe(404);
    expect((await readJson(gone)).code).toBe("service_not_found");
  });
});
