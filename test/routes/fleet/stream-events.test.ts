import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type CuttableProxy, cuttableProxy } from "../../support/cuttable-proxy.js";
import { readJson } from "../../support/http.js";
import {
  describeWithRig,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  rigHost,
  testLabel,
} from "../../support/rig.js";
import { EventReader, type SseEvent } from "../../support/sse.js";

describeWithRig("one event stream over every host", () => {
  const label = testLabel();
  const rigs = ["rig1", "rig2"];
  let app: TestApp;
  let proxy: CuttableProxy;
  const readers: EventReader[] = [];

  beforeAll(async () => {
    proxy = await cuttableProxy(rig().daemons.rig1?.socket as string);
    app = await testApp({
      hosts: [...rigs.map((name) => rigHost(name)), { id: "flaky", url: proxy.url }],
      // A host that drops out is marked down after one failure and tried again soon, to keep the test short.
      registry: { failureThreshold: 1, retryIntervalMs: 200 },
    });
    for (const name of rigs) await ensureImage(rigDocker(name), rig().images.busybox);
  });
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.close()));
  });
  afterAll(async () => {
    await Promise.all(rigs.map((name) => removeLabelled(rigDocker(name), label.filter)));
    await proxy.close();
  });

  async function open(query: string, headers: Record<string, string> = {}): Promise<EventReader> {
    const res = await app.request(`/v1/events?label=${label.filter}&${query}`, {
      headers: { Accept: "text/event-stream", ...headers },
    });
    expect(res.status).toBe(200);
    const reader = new EventReader(res);
    readers.push(reader);
    return reader;
  }

  /** Reads until every host in `hosts` said it is attached: from then on, nothing it does is missed. */
  async function attached(reader: EventReader, hosts: string[]): Promise<void> {
    const waiting = new Set(hosts);
    await reader.until((e) => {
      if (e.data.type === "host" && e.data.state === "attached") waiting.delete(e.data.host);
      return waiting.size === 0;
    });
  }

  const busybox = (labels: Record<string, string> = {}) => ({
    Image: rig().images.busybox,
    Cmd: ["sleep", "300"],
    Labels: { [label.key]: label.value, ...labels },
  });

  /** Creates, starts and force-removes a labelled container; its id. */
  async function lifecycle(name: string): Promise<string> {
    const container = await rigDocker(name).createContainer(busybox());
    await container.start();
    await container.remove({ force: true });
    return container.id;
  }

  const about = (id: string, action?: string) => (e: SseEvent) =>
    e.data.id === id && (action === undefined || e.data.action === action);
  const actionsOf = (events: SseEvent[], id: string) => events.filter(about(id)).map((e) => e.data.action);

  it("merges the events of both hosts, each tagged with its host", async () => {
    const reader = await open("host=rig1&host=rig2");
    await attached(reader, rigs);
    const [id1, id2] = await Promise.all(rigs.map(lifecycle));
    const seen: SseEvent[] = [];
    const destroyed = new Set<string>();
    seen.push(
      ...(await reader.until((e) => {
        if (e.data.action === "destroy") destroyed.add(e.data.id);
        return destroyed.size === 2;
      })),
    );
    for (const [host, id] of [
      ["rig1", id1],
      ["rig2", id2],
    ] as const) {
      expect(actionsOf(seen, id as string)).toEqual(
        expect.arrayContaining(["create", "start", "die", "destroy"]),
      );
      for (const event of seen.filter(about(id as string))) {
        expect(event.event).toBe("container");
        expect(event.data).toMatchObject({
          type: "container",
          host,
          image: rig().images.busybox,
          attributes: { [label.key]: label.value },
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        });
      }
      expect(seen.find(about(id as string, "die"))?.data.exitCode).toBe(137);
    }
  });

  it("passes type and action filters to the daemons", async () => {
    const reader = await open("host=rig1&type=container&action=start");
    await attached(reader, ["rig1"]);
    const first = await lifecycle("rig1");
    const second = await rigDocker("rig1").createContainer(busybox());
    await second.start();
    const events = await reader.until(about(second.id, "start"));
    const containerEvents = events.filter((e) => e.data.type === "container");
    expect(containerEvents.map((e) => [e.data.id, e.data.action])).toEqual([
      [first, "start"],
      [second.id, "start"],
    ]);
  });

  it("resumes after an event's id, with Last-Event-ID (SSE) or since (NDJSON), across hosts", async () => {
    const reader = await open("host=rig1&host=rig2");
    await attached(reader, rigs);
    const id = await lifecycle("rig1");
    const events = await reader.until(about(id, "destroy"));
    const created = events.find(about(id, "create"));
    const started = events.find(about(id, "start"));
    expect(created?.id).toMatch(/^[A-Za-z0-9_-]+$/);

    const resumed = await open("host=rig1&host=rig2", { "Last-Event-ID": created?.id as string });
    const again = await resumed.until(about(id, "destroy"));
    expect(actionsOf(again, id)).not.toContain("create");
    expect(actionsOf(again, id)).toEqual(expect.arrayContaining(["start", "die", "destroy"]));

    const res = await app.request(
      `/v1/events?label=${label.filter}&host=rig1&host=rig2&since=${started?.id as string}`,
      { headers: { Accept: "application/x-ndjson" } },
    );
    const ndjson = new EventReader(res);
    readers.push(ndjson);
    const afterStart = await ndjson.until(about(id, "destroy"));
    expect(actionsOf(afterStart, id)).not.toContain("start");
    expect(afterStart.at(-1)?.data.eventId).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("refuses an event id it did not give out", async () => {
    for (const headers of [{ "Last-Event-ID": "42" }, { "Last-Event-ID": "bm90IG91cnM" }]) {
      const res = await app.request("/v1/events", { headers: { Accept: "text/event-stream", ...headers } });
      expect(res.status).toBe(400);
      expect((await readJson(res)).code).toBe("invalid_request");
    }
  });

  it("follows only the hosts a token's grants cover", async () => {
    const token = await app.token(["events:read"], ["rig1"]);
    const res = await app.request(`/v1/events?label=${label.filter}`, {
      headers: { Accept: "text/event-stream", Authorization: `Bearer ${token}` },
    });
    const reader = new EventReader(res);
    readers.push(reader);
    const first = await reader.next();
    expect(first.data).toMatchObject({ type: "host", host: "rig1", state: "attached" });
    const other = await lifecycle("rig2");
    const mine = await lifecycle("rig1");
    const events = await reader.until(about(mine, "destroy"));
    expect(events.filter(about(other))).toEqual([]);
    expect(new Set(events.map((e: SseEvent) => e.data.host))).toEqual(new Set(["rig1"]));

    const outside = await app.request("/v1/events?host=rig2", {
      headers: { Accept: "text/event-stream", Authorization: `Bearer ${token}` },
    });
    expect(outside.status).toBe(404);
  });

  it("reports a host that drops out, re-attaches it when it returns, and loses none of its events", async () => {
    const reader = await open("host=flaky");
    await attached(reader, ["flaky"]);
    const before = await rigDocker("rig1").createContainer(busybox());
    await before.start();
    await reader.until(about(before.id, "start"));

    await proxy.cut();
    const detached = (await reader.until((e) => e.data.type === "host")).at(-1);
    expect(detached?.data).toMatchObject({ host: "flaky", state: "detached", reason: expect.any(String) });
    const during = await rigDocker("rig1").createContainer(busybox());
    await proxy.restore();

    const back = await reader.until((e) => e.data.type === "host");
    expect(back.at(-1)?.data).toMatchObject({ host: "flaky", state: "attached" });
    const missed = await reader.until(about(during.id, "create"));
    expect(missed.filter(about(before.id))).toEqual([]);
    await during.start();
    const live = await reader.until(about(during.id, "start"));
    expect(live.at(-1)?.data.host).toBe("flaky");
  });

  it("lets go of the daemon's stream as soon as the client leaves", async () => {
    const reader = await open("host=flaky");
    await attached(reader, ["flaky"]);
    const during = proxy.open();
    expect(during).toBeGreaterThan(0);
    await reader.close();
    const until = Date.now() + 3_000;
    while (proxy.open() >= during && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(proxy.open()).toBeLessThan(during);
  });
});
