import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type Json, readJson } from "../../support/http.js";
import { describeWithRig, removeServices, rig, rigDocker, rigHost } from "../../support/rig.js";

const swarmDaemon = () => rig().swarm?.daemon ?? "rig4";
const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;

describeWithRig("Swarm services: what is refused", () => {
  let app: TestApp;
  const made: string[] = [];
  const send = (method: string, path: string, body: unknown, token?: string) =>
    app.request(path, {
      method,
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const spec = (name: string, more: Record<string, unknown> = {}) => ({
    name,
    image: rig().images.busybox,
    cmd: ["sleep", "3600"],
    ...more,
  });
  /** The daemon's own list: what portcall refused must never have reached it. */
  const daemonHas = async (name: string) =>
    (await rigDocker(swarmDaemon()).listServices()).some((service) => service.Spec?.Name === name);

  beforeAll(async () => {
    app = await testApp({ hosts: [rigHost(swarmDaemon(), "swarm"), rigHost("rig1")] });
  });
  afterAll(() => removeServices(swarmDaemon(), made));

  it("refuses a privileged or bind-mounting spec before the daemon sees it", async () => {
    const privileged = unique("priv");
    const asPrivileged = await send(
      "POST",
      "/v1/hosts/swarm/services",
      spec(privileged, { privileged: true }),
    );
    expect(asPrivileged.status).toBe(400);
    expect((await readJson(asPrivileged)).code).toBe("invalid_request");

    const binding = unique("bind");
    const asBind = await send(
      "POST",
      "/v1/hosts/swarm/services",
      spec(binding, { mounts: [{ type: "bind", source: "/etc", target: "/host-etc" }] }),
    );
    expect(asBind.status).toBe(403);
    const problem = await readJson(asBind);
    expect(problem.code).toBe("policy_denied");
    expect(problem.detail).toContain("mounts.0.source");

    const socket = unique("sock");
    const asSocket = await send(
      "POST",
      "/v1/hosts/swarm/services",
      spec(socket, { mounts: [{ type: "bind", source: "/var/run", target: "/s" }] }),
    );
    expect(asSocket.status).toBe(403);

    const hostNet = unique("hostnet");
    const asHostNet = await send("POST", "/v1/hosts/swarm/services", spec(hostNet, { networks: ["host"] }));
    expect(asHostNet.status).toBe(403);

    const published = unique("pub");
    const asPublished = await send(
      "POST",
      "/v1/hosts/swarm/services",
      spec(published, { ports: [{ targetPort: 80 }] }),
    );
    expect(asPublished.status).toBe(403);
    expect((await readJson(asPublished)).detail).toContain("publicPorts");

    for (const name of [privileged, binding, socket, hostNet, published])
      expect(await daemonHas(name)).toBe(false);
  });

  it("refuses to update a service someone else made with a bind of a host path", async () => {
    const name = unique("foreign");
    made.push(name);
    await rigDocker(swarmDaemon()).createService({
      Name: name,
      TaskTemplate: {
        ContainerSpec: {
          Image: rig().images.busybox,
          Args: ["sleep", "3600"],
          Mounts: [{ Type: "bind", Source: "/etc", Target: "/host-etc", ReadOnly: true }],
        },
      },
      Mode: { Replicated: { Replicas: 0 } },
    });
    const scaled = await send("POST", `/v1/hosts/swarm/services/${name}/scale`, { replicas: 2 });
    expect(scaled.status).toBe(403);
    expect((await readJson(scaled)).code).toBe("policy_denied");
    const service = await rigDocker(swarmDaemon()).getService(name).inspect();
    expect(service.Spec.Mode.Replicated.Replicas).toBe(0);
  });

  it("answers 409 not_a_swarm_manager on a host outside any swarm", async () => {
    for (const [method, path, body] of [
      ["GET", "/v1/hosts/rig1/services", undefined],
      ["GET", "/v1/hosts/rig1/nodes", undefined],
      ["POST", "/v1/hosts/rig1/services", spec(unique("nowhere"))],
    ] as const) {
      const res = await app.request(path, {
        method,
        ...(body ? { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {}),
      });
      expect(res.status).toBe(409);
      const problem = await readJson(res);
      expect(problem.code).toBe("not_a_swarm_manager");
      expect(problem.detail).toContain('"rig1"');
    }
  });

  it("needs services:write to change services, services:read to see them", async () => {
    const reader = await app.token(["services:read"]);
    const refused = await send("POST", "/v1/hosts/swarm/services", spec(unique("ro")), reader);
    expect(refused.status).toBe(403);
    expect((await readJson(refused)).code).toBe("insufficient_scope");
    const seen = await app.request("/v1/hosts/swarm/services", {
      headers: { Authorization: `Bearer ${reader}` },
    });
    expect(seen.status).toBe(200);

    const containersOnly = await app.token(["containers:read", "containers:write"]);
    const listed = await app.request("/v1/hosts/swarm/services", {
      headers: { Authorization: `Bearer ${containersOnly}` },
    });
    expect(listed.status).toBe(403);
  });

  it("treats a host the token is not granted as one that does not exist", async () => {
    const elsewhere = await app.token(["services:read", "services:write"], ["rig1"]);
    const name = unique("hidden");
    for (const [method, path, body] of [
      ["GET", "/v1/hosts/swarm/services", undefined],
      ["POST", "/v1/hosts/swarm/services", spec(name)],
      ["GET", "/v1/hosts/swarm/nodes", undefined],
    ] as const) {
      const res = await app.request(path, {
        method,
        headers: { Authorization: `Bearer ${elsewhere}`, "Content-Type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status).toBe(404);
      expect((await readJson(res)).code).toBe("host_not_found");
    }
    expect(await daemonHas(name)).toBe(false);
  });

  it("answers 404 service_not_found for a service that does not exist", async () => {
    const res = await app.request(`/v1/hosts/swarm/services/${unique("none")}/tasks`);
    expect(res.status).toBe(404);
    const problem: Json = await readJson(res);
    expect(problem.code).toBe("service_not_found");
  });
});
