import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
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

describe("inspect with a malformed container id", () => {
  // Nothing listens on port 1: if a request reached the host, the answer would be 503, not 400.
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp({ hosts: [{ id: "local", url: "tcp://127.0.0.1:1", insecure: true }] });
  });

  it.each([
    ["an encoded slash", "/v1/hosts/local/containers/..%2F..%2Fversion"],
    ["a leading dash", "/v1/hosts/local/containers/-rf"],
    ["a query smuggled in the id", "/v1/hosts/local/containers/abc%3Fx=1"],
    ["a space", "/v1/hosts/local/containers/a%20b"],
  ])("answers 400 for %s without calling the daemon", async (_, path) => {
    const res = await app.request(path);
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.code).toBe("invalid_request");
    expect(body.errors[0]).toMatchObject({ location: "param", path: "id" });
  });

  it("resolves a dot-dot segment away before routing, so it matches no route at all", async () => {
    const res = await app.request("/v1/hosts/local/containers/%2E%2E");
    expect(res.status).toBe(404);
    expect((await readJson(res)).code).toBe("not_found");
  });

  it("answers 404 host_not_found for a host that is not registered", async () => {
    const res = await app.request("/v1/hosts/elsewhere/containers/abc");
    expect(res.status).toBe(404);
    expect((await readJson(res)).code).toBe("host_not_found");
  });
});

describeWithRig("inspect a container on a rig daemon", () => {
  const label = testLabel();
  const hosts = ["rig1", "rig2"];
  let app: TestApp;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await testApp({ hosts: hosts.map((name) => rigHost(name)) });
    for (const name of hosts) {
      const docker = rigDocker(name);
      await ensureImage(docker, rig().images.busybox);
      const container = await docker.createContainer({
        Image: rig().images.busybox,
        name: `inspect-${name}-${label.value.slice(0, 8)}`,
        Cmd: ["sleep", "300"],
        Env: ["GREETING=hello=world", "EMPTY="],
        WorkingDir: "/tmp",
        Labels: { [label.key]: label.value, role: "inspect-test" },
        HostConfig: { Memory: 64 * 1024 * 1024, PidsLimit: 50 },
      });
      await container.start();
      ids[name] = container.id;
    }
  });
  afterAll(async () => {
    await Promise.all(hosts.map((name) => removeLabelled(rigDocker(name), label.filter)));
  });

  it.each(hosts)("shows the container started on %s in portcall's own shape", async (name) => {
    const res = await app.request(`/v1/hosts/${name}/containers/${ids[name]}`);
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({
      id: ids[name],
      name: `inspect-${name}-${label.value.slice(0, 8)}`,
      image: rig().images.busybox,
      state: { status: "running", running: true, exitCode: null, oomKilled: false },
      config: {
        cmd: ["sleep", "300"],
        env: expect.objectContaining({ GREETING: "hello=world", EMPTY: "" }),
        workingDir: "/tmp",
        labels: { [label.key]: label.value, role: "inspect-test" },
        tty: false,
      },
      limits: { memoryBytes: 64 * 1024 * 1024, pids: 50, nanoCpus: null },
      restartPolicy: "no",
    });
    expect(body.imageId).toMatch(/^sha256:/);
    expect(body.state.pid).toBeGreaterThan(0);
    expect(Date.parse(body.state.startedAt)).not.toBeNaN();
    expect(body).not.toHaveProperty("Id");
  });

  it("finds a container by its name and by a unique id prefix", async () => {
    const byName = await app.request(`/v1/hosts/rig1/containers/inspect-rig1-${label.value.slice(0, 8)}`);
    expect((await readJson(byName)).id).toBe(ids.rig1);
    const byPrefix = await app.request(`/v1/hosts/rig1/containers/${ids.rig1?.slice(0, 12)}`);
    expect((await readJson(byPrefix)).id).toBe(ids.rig1);
  });

  it("answers 404 container_not_found for an id the daemon does not know", async () => {
    const res = await app.request("/v1/hosts/rig1/containers/doesnotexist0000");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await readJson(res)).toMatchObject({
      code: "container_not_found",
      detail: 'Container "doesnotexist0000" does not exist on host "rig1".',
    });
  });

  it("does not find rig1's container on rig2", async () => {
    const res = await app.request(`/v1/hosts/rig2/containers/${ids.rig1}`);
    expect(res.status).toBe(404);
  });
});
