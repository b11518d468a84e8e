import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
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

describeWithRig("a container's life through the API", () => {
  const label = testLabel();
  let app: TestApp;
  const post = (path: string, body?: unknown) =>
    app.request(path, {
      method: "POST",
      ...(body === undefined
        ? {}
        : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    });
  const create = async (spec: Json) => {
    const res = await post("/v1/hosts/rig1/containers", {
      image: rig().images.busybox,
      labels: { [label.key]: label.value },
      ...spec,
    });
    return { res, body: await readJson(res) };
  };

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    app = await testApp({ hosts: [rigHost("rig1")] });
  });
  afterAll(() => removeLabelled(rigDocker("rig1"), label.filter));

  it("creates and starts a container from portcall's schema, with the policy's defaults applied", async () => {
    const { res, body } = await create({
      name: `life-${label.value.slice(0, 8)}`,
      cmd: ["sleep", "300"],
      env: { MODE: "test" },
      ports: [{ containerPort: 8080 }],
      stopTimeout: 1,
      start: true,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v1/hosts/rig1/containers/${body.id}`);
    expect(body).toMatchObject({
      state: { status: "running" },
      config: { cmd: ["sleep", "300"], env: expect.objectContaining({ MODE: "test" }) },
      limits: { memoryBytes: 256 * 1024 * 1024, pids: 512 },
      ports: [{ containerPort: 8080, protocol: "tcp", hostIp: "127.0.0.1", hostPort: expect.any(Number) }],
    });
    const raw = await rigDocker("rig1").getContainer(body.id).inspect();
    expect(raw.HostConfig.SecurityOpt).toContain("no-new-privileges:true");
    expect(raw.HostConfig.Privileged).toBe(false);
  });

  it("leaves nothing behind when a container asked to start cannot, and says why", async () => {
    const marker = `nostart-${label.value.slice(0, 8)}`;
    const { res, body } = await create({
      cmd: ["/no/such/program"],
      start: true,
      labels: { [label.key]: label.value, marker },
    });
    expect({ status: res.status, code: body.code }).toEqual({ status: 400, code: "invalid_request" });
    expect(body.detail).toContain("/no/such/program");
    const left = await rigDocker("rig1").listContainers({
      all: true,
      filters: { label: [`marker=${marker}`] },
    });
    expect(left).toHaveLength(0);
  });

  it("refuses to mount a volume that is a bind of a host path the token may not use", async () => {
    const disguised = `root-${label.value.slice(0, 8)}`;
    await rigDocker("rig1").createVolume({
      Name: disguised,
      Driver: "local",
      DriverOpts: { type: "none", o: "bind", device: "/" },
    });
    try {
      const { res, body } = await create({
        cmd: ["true"],
        mounts: [{ type: "volume", source: disguised, target: "/x" }],
      });
      expect(res.status).toBe(403);
      expect(body).toMatchObject({
        code: "policy_denied",
        detail: expect.stringContaining(`volume ${disguised}.device: binding /`),
      });
    } finally {
      await rigDocker("rig1").getVolume(disguised).remove();
    }
  });

  it("stops, starts twice without error, pauses, kills and removes it", async () => {
    const { body } = await create({ cmd: ["sleep", "300"], stopTimeout: 1, start: true });
    const base = `/v1/hosts/rig1/containers/${body.id}`;
    expect((await post(`${base}/start`)).status).toBe(204);
    expect((await post(`${base}/pause`)).status).toBe(204);
    expect((await readJson(await app.request(base))).state.paused).toBe(true);
    expect((await post(`${base}/unpause`)).status).toBe(204);
    const top = await readJson(await app.request(`${base}/top`));
    expect(top.processes.some((row: string[]) => row.join(" ").includes("sleep 300"))).toBe(true);
    expect((await post(`${base}/stop?timeout=1`)).status).toBe(204);
    expect((await post(`${base}/stop?timeout=1`)).status).toBe(204);
    expect((await readJson(await app.request(base))).state.status).toBe("exited");
    const killStopped = await post(`${base}/kill`);
    expect(killStopped.status).toBe(409);
    expect((await readJson(killStopped)).code).toBe("conflict");
    expect((await post(`${base}/rename`, { name: `renamed-${label.value.slice(0, 8)}` })).status).toBe(204);
    expect((await readJson(await app.request(base))).name).toBe(`renamed-${label.value.slice(0, 8)}`);
    expect((await app.request(base, { method: "DELETE" })).status).toBe(204);
    expect((await app.request(base)).status).toBe(404);
  });

  it("refuses to remove a running container without force (409), and removes it with force", async () => {
    const { body } = await create({ cmd: ["sleep", "300"], start: true });
    const base = `/v1/hosts/rig1/containers/${body.id}`;
    const refused = await app.request(base, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect((await app.request(`${base}?force=true`, { method: "DELETE" })).status).toBe(204);
  });

  it("waits for a container to exit and gives its exit code, or says the deadline passed", async () => {
    const { body } = await create({ cmd: ["sh", "-c", "sleep 1; exit 3"], start: true });
    const base = `/v1/hosts/rig1/containers/${body.id}`;
    const waited = await readJson(await post(`${base}/wait?timeoutSeconds=20`));
    expect(waited).toEqual({ timedOut: false, exitCode: 3, error: null });

    const { body: sleeper } = await create({ cmd: ["sleep", "300"], start: true });
    const started = Date.now();
    const pending = await readJson(
      await post(`/v1/hosts/rig1/containers/${sleeper.id}/wait?timeoutSeconds=1`),
    );
    expect(pending).toEqual({ timedOut: true, exitCode: null, error: null });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers 404 image_not_found for an image the host does not have", async () => {
    const { res, body } = await create({ image: `${rig().registry.address}/portcall/never-pushed:1` });
    expect(res.status).toBe(404);
    expect(body.code).toBe("image_not_found");
  });

  it("reports a running container's resource use once, and as a stream", async () => {
    const { body } = await create({
      cmd: ["sh", "-c", "while true; do :; done"],
      limits: { memoryBytes: 64 * 1024 * 1024 },
      stopTimeout: 1,
      start: true,
    });
    const base = `/v1/hosts/rig1/containers/${body.id}`;
    const sample = await readJson(await app.request(`${base}/stats`));
    expect(sample.memory.limitBytes).toBe(64 * 1024 * 1024);
    expect(sample.cpuPercent).toBeGreaterThan(0);
    expect(sample.pids).toBeGreaterThan(0);

    const client = new AbortController();
    const res = await app.request(`${base}/stats`, {
      headers: { Accept: "application/x-ndjson" },
      signal: client.signal,
    });
    const reader = res.body?.getReader();
    const first = JSON.parse(new TextDecoder().decode((await reader?.read())?.value).split("\n")[0] ?? "{}");
    expect(first).toMatchObject({ type: "stats", memory: { limitBytes: 64 * 1024 * 1024 } });
    client.abort();
    await reader?.cancel().catch(() => undefined);
    await app.request(`${base}?force=true`, { method: "DELETE" });
  });
});
