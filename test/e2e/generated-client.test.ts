import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import createClient from "openapi-fetch";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { components, paths } from "../../openapi/portcall-api.js";
import { describeWithRig, removeLabelled, rig, rigDocker, rigHost, testLabel } from "../support/rig.js";
import { type RunningServer, startServer } from "../support/server.js";

type Problem = components["schemas"]["Problem"];

/**
 * The client a user generates from openapi/openapi.json (`npm run client:generate`). It takes JSON answers:
 * the media types it names pick, among what an operation can answer, the plain JSON result over a stream of
 * events, and the problem document of an error.
 */
function portcallClient(baseUrl: string, token: string) {
  return createClient<paths, "application/json" | "application/problem+json">({
    baseUrl,
    headers: { Authorization: `Bearer ${token}` },
  });
}

describeWithRig("a client generated from openapi/openapi.json", () => {
  const label = testLabel();
  const hostId = `gen-${randomUUID().slice(0, 8)}`;
  let dataDir: string;
  let server: RunningServer;
  let api: ReturnType<typeof portcallClient>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "portcall-client-"));
    server = await startServer({
      DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "",
      PORTCALL_DATA_DIR: dataDir,
    });
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await removeLabelled(rigDocker("rig2"), label.filter);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("registers a Docker host with the operator's admin token", async () => {
    // A host reached without credentials of its own (a unix socket) is the admin's to register.
    const admin = portcallClient(server.url, server.token);
    const { data, response } = await admin.POST("/v1/hosts", {
      body: { id: hostId, url: rigHost("rig2").url },
    });
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ id: hostId, url: rigHost("rig2").url });
  });

  it("mints a token for that host alone", async () => {
    const admin = portcallClient(server.url, server.token);
    const scopes: components["schemas"]["Scope"][] = ["images:write", "runs:create", "runs:read"];
    const { data, error, response } = await admin.POST("/v1/tokens", {
      body: { name: "generated-client", scopes, hosts: [hostId], ttl: "1h" },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ scopes, hosts: [hostId] });
    // From here on every call carries the minted token, not the operator's.
    api = portcallClient(server.url, data?.token ?? "");
  });

  it("pulls an image onto it", async () => {
    const image = rig().images.busybox;
    const { data, response } = await api.POST("/v1/hosts/{host}/images/pull", {
      params: { path: { host: hostId } },
      body: { image },
    });
    expect(response.status).toBe(200);
    // The JSON answer, not a progress event: the client's media types pick it, and the compiler knows.
    const detail: components["schemas"]["ImageDetail"] | undefined = data;
    expect(detail?.repoTags).toContain(image);
  });

  it("runs a container in one call and gets its exit code and output", async () => {
    const { data, response } = await api.POST("/v1/runs", {
      body: {
        host: hostId,
        image: rig().images.busybox,
        cmd: ["sh", "-c", "echo hello from the generated client; echo to stderr >&2; exit 3"],
        labels: { [label.key]: label.value },
      },
    });
    expect(response.status).toBe(201);
    expect(data).toMatchObject({
      host: hostId,
      status: "exited",
      exitCode: 3,
      removed: true,
      output: { stdout: "hello from the generated client\n", stderr: "to stderr\n" },
    });
  });

  it("reads the logs of a run it left in place", async () => {
    const started = await api.POST("/v1/runs", {
      body: {
        host: hostId,
        image: rig().images.busybox,
        cmd: ["sh", "-c", "echo one; echo two"],
        wait: false,
        remove: false,
        labels: { [label.key]: label.value },
      },
    });
    expect(started.response.status).toBe(202);
    const id = started.data?.id ?? "";

    const ended = await api.GET("/v1/runs/{id}/wait", {
      params: { path: { id }, query: { timeoutSeconds: 30 } },
    });
    expect(ended.response.status).toBe(200);
    expect(ended.data).toMatchObject({ status: "exited", exitCode: 0, removed: false });

    const logs = await api.GET("/v1/runs/{id}/logs", { params: { path: { id } }, parseAs: "text" });
    expect(logs.response.headers.get("Content-Type")).toMatch(/^text\/plain/);
    const text: string | undefined = logs.data;
    expect(text).toBe("one\ntwo\n");
  });

  it("gets a missing run as a typed problem with its code", async () => {
    const { data, error, response } = await api.GET("/v1/runs/{id}", {
      params: { path: { id: "run_000000000000000000000000" } },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    expect(data).toBeUndefined();
    const problem: Problem | undefined = error;
    expect(problem).toMatchObject({ status: 404, code: "run_not_found" });
    expect(problem?.requestId).toBe(response.headers.get("X-Request-Id"));
  });
});
