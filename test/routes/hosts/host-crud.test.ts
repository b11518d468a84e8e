import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type FaultSocket, silentSocket } from "../../support/fault-sockets.js";
import { readJson } from "../../support/http.js";
import {
  describeWithRig,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  testLabel,
} from "../../support/rig.js";

type App = TestApp;

const post = (app: App, body: unknown) =>
  app.request("/v1/hosts", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
const patch = (app: App, id: string, body: unknown) =>
  app.request(`/v1/hosts/${id}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

let socket: FaultSocket;
beforeAll(async () => {
  socket = await silentSocket();
});
afterAll(() => socket.close());

describe("registering hosts", () => {
  it("registers a unix socket host and answers 201 with its location and no status yet", async () => {
    const app = await testApp();
    const res = await post(app, {
      id: "edge-1",
      name: "Edge one",
      labels: { env: "prod" },
      url: socket.url,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/v1/hosts/edge-1");
    expect(await readJson(res)).toMatchObject({
      id: "edge-1",
      name: "Edge one",
      labels: { env: "prod" },
      url: socket.url,
      transport: "unix",
      tls: null,
      ssh: null,
      insecure: false,
      source: "api",
      status: { reachable: null, down: false, lastCheckedAt: null },
    });
  });

  it("lists, reads, relabels and removes a host", async () => {
    const app = await testApp();
    await post(app, { id: "b-host", url: socket.url });
    await post(app, { id: "a-host", url: "tcp://127.0.0.1:2375", insecure: true });

    const list = await readJson(await app.request("/v1/hosts"));
    expect(list.items.map((host: { id: string }) => host.id)).toEqual(["a-host", "b-host"]);
    expect((await readJson(await app.request("/v1/hosts/a-host"))).insecure).toBe(true);

    const changed = await patch(app, "b-host", { labels: { pool: "build" }, name: "Builder" });
    expect(changed.status).toBe(200);
    expect(await readJson(changed)).toMatchObject({
      id: "b-host",
      name: "Builder",
      labels: { pool: "build" },
    });

    expect((await app.request("/v1/hosts/b-host", { method: "DELETE" })).status).toBe(204);
    expect((await app.request("/v1/hosts/b-host")).status).toBe(404);
    expect((await app.request("/v1/hosts/b-host/containers")).status).toBe(404);
    expect((await app.request("/v1/hosts/b-host", { method: "DELETE" })).status).toBe(404);
  });

  it("answers 409 host_exists for an id that is taken", async () => {
    const app = await testApp();
    await post(app, { id: "dup", url: socket.url });
    const res = await post(app, { id: "dup", url: "tcp://127.0.0.1:2375", insecure: true });
    expect(res.status).toBe(409);
    expect((await readJson(res)).code).toBe("host_exists");
    expect((await readJson(await app.request("/v1/hosts/dup"))).transport).toBe("unix");
  });

  it.each([
    ["an invalid id", { id: "Bad_ID", url: "tcp://127.0.0.1:2375", insecure: true }, "id"],
    ["an unknown URL scheme", { id: "x", url: "http://127.0.0.1:2375" }, "url"],
    ["a URL that is not one", { id: "x", url: "not a url" }, "url"],
    [
      "plain TCP to a non-loopback address",
      { id: "x", url: "tcp://192.0.2.10:2375", insecure: true },
      "insecure",
    ],
    ["TCP without TLS and without insecure", { id: "x", url: "tcp://127.0.0.1:2375" }, "tls"],
    ["a TCP URL without a port", { id: "x", url: "tcp://127.0.0.1", insecure: true }, "url"],
    [
      "a malformed PEM",
      {
        id: "x",
        url: "tcp://127.0.0.1:2376",
        tls: { ca: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----", cert: "x", key: "y" },
      },
      "tls.ca",
    ],
    ["a socket path with nothing there", { id: "x", url: "unix:///nonexistent/docker.sock" }, "url"],
    ["a socket path that is a file", { id: "x", url: "unix:///etc/hostname" }, "url"],
    ["ssh without keys", { id: "x", url: "ssh://me@127.0.0.1:22" }, "ssh"],
    [
      "ssh without a user",
      {
        id: "x",
        url: "ssh://127.0.0.1:22",
        ssh: { privateKey: "k", hostKeyFingerprint: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s" },
      },
      "url",
    ],
    [
      "tls on a unix host",
      { id: "x", url: `unix:///tmp/x.sock`, tls: { ca: "a", cert: "b", key: "c" } },
      "tls",
    ],
    ["an unknown field", { id: "x", url: "tcp://127.0.0.1:2375", insecure: true, privileged: true }, ""],
  ])("refuses %s with 400 naming the field, and stores nothing", async (_, body, field) => {
    const app = await testApp();
    const res = await post(app, body);
    expect(res.status).toBe(400);
    const problem = await readJson(res);
    expect(problem.code).toBe("invalid_request");
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect((await readJson(await app.request("/v1/hosts"))).items).toEqual([]);
  });

  it("refuses a body that is not JSON with 400, and one sent as another type with 415", async () => {
    const app = await testApp();
    const broken = await app.request("/v1/hosts", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{",
    });
    expect(broken.status).toBe(400);
    expect((await readJson(broken)).code).toBe("invalid_request");
    const text = await app.request("/v1/hosts", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "{}",
    });
    expect(text.status).toBe(415);
    expect((await readJson(text)).code).toBe("unsupported_media_type");
  });

  it("keeps a host unchanged when an update is invalid", async () => {
    const app = await testApp();
    await post(app, { id: "keep", url: socket.url });
    const res = await patch(app, "keep", { url: "tcp://192.0.2.1:2375", insecure: true });
    expect(res.status).toBe(400);
    expect((await readJson(await app.request("/v1/hosts/keep"))).url).toBe(socket.url);
  });
});

describeWithRig("a registered rig daemon", () => {
  it("describes its daemon through GET /v1/hosts/{host}/info", async () => {
    const app = await testApp();
    await post(app, { id: "rig1", url: rig().daemons.rig1?.dockerHost });
    const res = await app.request("/v1/hosts/rig1/info");
    expect(res.status).toBe(200);
    const info = await readJson(res);
    expect(info).toMatchObject({
      osType: "linux",
      storageDriver: rig().storageDriver,
      swarm: "inactive",
      containers: expect.objectContaining({ total: expect.any(Number), running: expect.any(Number) }),
    });
    expect(info.apiVersion).toMatch(/^1\.\d+$/);
    expect(info.engineVersion).toMatch(/^\d+\.\d+/);
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.memoryBytes).toBeGreaterThan(0);
  });

  it("shows reachability, latency and API version once probed", async () => {
    const app = await testApp();
    await post(app, { id: "rig1", url: rig().daemons.rig1?.dockerHost });
    await app.request("/v1/hosts/rig1/containers");
    const { status } = await readJson(await app.request("/v1/hosts/rig1"));
    expect(status).toMatchObject({ reachable: true, down: false, error: null });
    expect(status.apiVersion).toMatch(/^1\.\d+$/);
    expect(Date.parse(status.lastCheckedAt)).not.toBeNaN();
  });

  it("switches a host to another daemon when its URL changes", async () => {
    const label = testLabel();
    const docker = rigDocker("rig2");
    await ensureImage(docker, rig().images.busybox);
    await docker.createContainer({ Image: rig().images.busybox, Labels: { [label.key]: label.value } });
    try {
      const app = await testApp();
      await post(app, { id: "moving", url: rig().daemons.rig1?.dockerHost });
      const listed = async () =>
        (await readJson(await app.request(`/v1/hosts/moving/containers?all=true&label=${label.filter}`)))
          .items;
      expect(await listed()).toHaveLength(0);
      expect((await patch(app, "moving", { url: rig().daemons.rig2?.dockerHost })).status).toBe(200);
      expect(await listed()).toHaveLength(1);
    } finally {
      await removeLabelled(docker, label.filter);
    }
  });
});
