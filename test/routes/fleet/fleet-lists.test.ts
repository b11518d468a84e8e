import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type FaultSocket, silentSocket } from "../../support/fault-sockets.js";
import { type Json, readJson } from "../../support/http.js";
import {
  describeWithRig,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  rigHost,
  testLabel,
} from "../../support/rig.js";

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const hostsOf = (items: Json[]) => [...new Set(items.map((item) => item.host))].sort();

describeWithRig("fleet-wide lists", () => {
  const label = testLabel();
  const rigs = ["rig1", "rig2"];
  let silent: FaultSocket;
  let app: TestApp;

  beforeAll(async () => {
    silent = await silentSocket();
    // rig3 stands in for the third host of the fleet by a socket that accepts and never answers: cutting off
    // the real rig3 would pull it from under other test files.
    app = await testApp({ hosts: [...rigs.map((name) => rigHost(name)), { id: "stuck", url: silent.url }] });
    for (const name of rigs) {
      const docker = rigDocker(name);
      await ensureImage(docker, rig().images.busybox);
      const common = { Image: rig().images.busybox, Cmd: ["sleep", "300"] };
      const running = await docker.createContainer({ ...common, Labels: { [label.key]: label.value } });
      await running.start();
      await docker.createContainer({ ...common, Labels: { [label.key]: label.value, tier: "db" } });
    }
  });
  afterAll(async () => {
    await Promise.all(rigs.map((name) => removeLabelled(rigDocker(name), label.filter)));
    await silent.close();
  });

  it("answers within the deadline with the other hosts' containers and one error for a hung host", async () => {
    // Warm up the healthy hosts (API version negotiated, connections open): the timing is about the hung one.
    expect((await app.request("/v1/containers?host=rig1&host=rig2")).status).toBe(200);
    const { value: res, ms } = await timed(() =>
      app.request(`/v1/containers?timeoutMs=1000&label=${label.filter}`),
    );
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(1_000 + 200);
    const body = await readJson(res);
    expect(body.items).toHaveLength(2);
    expect(hostsOf(body.items)).toEqual(rigs);
    for (const item of body.items) {
      expect(item).toMatchObject({ state: "running", labels: { [label.key]: label.value } });
    }
    expect(body.errors).toEqual([
      { host: "stuck", code: "host_timeout", message: 'Host "stuck" did not answer within 1000 ms.' },
    ]);
  });

  it("reports a host whose socket does not exist as host_unavailable, at once", async () => {
    // Registration checks the socket is there; it goes away afterwards, as with a daemon that was removed.
    const vanishing = await silentSocket();
    const withGone = await testApp({ hosts: [rigHost("rig1"), { id: "gone", url: vanishing.url }] });
    await vanishing.close();
    const { value: res, ms } = await timed(() =>
      withGone.request(`/v1/containers?timeoutMs=5000&label=${label.filter}`),
    );
    expect(ms).toBeLessThan(1_000);
    const body = await readJson(res);
    expect(hostsOf(body.items)).toEqual(["rig1"]);
    expect(body.errors).toEqual([
      { host: "gone", code: "host_unavailable", message: expect.stringContaining("does not exist") },
    ]);
  });

  it("does not wait again on a host already marked down", async () => {
    const withDown = await testApp({
      hosts: [rigHost("rig1"), { id: "stuck", url: silent.url }],
      registry: { failureThreshold: 1, retryIntervalMs: 60_000 },
    });
    const first = await readJson(await withDown.request("/v1/containers?timeoutMs=300"));
    expect(first.errors).toMatchObject([{ host: "stuck", code: "host_timeout" }]);
    const { value: res, ms } = await timed(() => withDown.request("/v1/containers?timeoutMs=5000"));
    expect(ms).toBeLessThan(200);
    expect((await readJson(res)).errors).toMatchObject([{ host: "stuck", code: "host_unavailable" }]);
  });

  it("applies the per-host filters on every host", async () => {
    const res = await app.request(
      `/v1/containers?all=true&status=created&label=${label.filter}&host=rig1&host=rig2`,
    );
    const body = await readJson(res);
    expect(body.errors).toEqual([]);
    expect(hostsOf(body.items)).toEqual(rigs);
    expect(body.items.map((item: Json) => [item.state, item.labels.tier])).toEqual([
      ["created", "db"],
      ["created", "db"],
    ]);
  });

  it("covers only the hosts a token's grants cover", async () => {
    const token = await app.token(["containers:read"], ["rig1"]);
    const body = await readJson(await app.request(`/v1/containers?label=${label.filter}`, bearer(token)));
    expect(hostsOf(body.items)).toEqual(["rig1"]);
    expect(body.errors).toEqual([]);
    const outside = await app.request("/v1/containers?host=rig2", bearer(token));
    expect(outside.status).toBe(404);
    expect((await readJson(outside)).code).toBe("host_not_found");
  });

  it("refuses a deadline past 30 s", async () => {
    expect((await app.request("/v1/containers?timeoutMs=30001")).status).toBe(400);
  });

  it("lists the images of every host, each tagged with its host", async () => {
    const res = await app.request("/v1/images?host=rig1&host=rig2");
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.errors).toEqual([]);
    for (const host of rigs) {
      const busybox = body.items.find(
        (item: Json) => item.host === host && item.repoTags.includes(rig().images.busybox),
      );
      expect(busybox, host).toMatchObject({ host, id: expect.stringMatching(/^sha256:/) });
    }
  });
});
