import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../support/app.js";
import { type Json, readJson } from "../support/http.js";
import { describeWithRig, removeServices, rig, rigDocker, rigHost } from "../support/rig.js";

const swarmDaemon = () => rig().swarm?.daemon ?? "rig4";

/** A registry that asks for a password and notes every Authorization header it is sent. */
async function passwordTrap(): Promise<{ server: Server; address: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
    res.writeHead(401, {
      "WWW-Authenticate": 'Basic realm="trap"',
      "Docker-Distribution-API-Version": "registry/2.0",
      "Content-Length": "0",
    });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

// Attacks by a token with services:write and no grants, on services it made and on services others made.
describeWithRig("attacking Swarm services through portcall", () => {
  let app: TestApp;
  let attacker: string;
  let trap: Awaited<ReturnType<typeof passwordTrap>>;
  const unique = randomUUID().slice(0, 8);
  const made: string[] = [];
  const docker = () => rigDocker(swarmDaemon());
  const send = (method: string, path: string, body: Json) =>
    app.request(path, {
      method,
      headers: { Authorization: `Bearer ${attacker}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  /** A service made straight on the daemon, as someone with the Docker socket would. */
  const foreign = async (what: string, container: Json) => {
    const name = `svcatk-${what}-${unique}`;
    made.push(name);
    await docker().createService({
      Name: name,
      Mode: { Replicated: { Replicas: 0 } },
      TaskTemplate: {
        ContainerSpec: { Image: rig().images.busybox, Args: ["sleep", "3600"], ...container },
      },
    });
    return name;
  };
  /** Swarm's own update, sent as the docker CLI sends it: the whole spec with the version read. */
  const updateDirectly = async (name: string, edit: (spec: Json) => void) => {
    const current = await docker().getService(name).inspect();
    edit(current.Spec);
    await new Promise((resolve, reject) =>
      docker().modem.dial(
        {
          path: `/services/${current.ID}/update?`,
          method: "POST",
          options: { _query: { version: current.Version.Index }, _body: current.Spec },
          statusCodes: { 200: true, 400: "bad parameter", 500: "server error" },
        },
        (error: unknown, data: unknown) => (error ? reject(error) : resolve(data)),
      ),
    );
  };
  const expectRefused = async (res: Response, because: string) => {
    expect(res.status).toBe(403);
    const problem = await readJson(res);
    expect(problem.code).toBe("policy_denied");
    expect(problem.detail).toContain(because);
  };

  beforeAll(async () => {
    app = await testApp({ hosts: [rigHost(swarmDaemon(), "swarm")] });
    attacker = await app.token(["services:read", "services:write"], ["swarm"]);
    trap = await passwordTrap();
  });
  afterAll(async () => {
    await removeServices(swarmDaemon(), made);
    await new Promise((resolve) => trap?.server.close(resolve));
  });

  it("changing a service's image to another registry does not send that registry the stored password", async () => {
    const { authRegistry } = rig();
    const stored = await app.request(`/v1/registries/${authRegistry.address}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: authRegistry.username, password: authRegistry.password }),
    });
    expect(stored.status).toBeLessThan(300);
    const name = `svcatk-creds-${unique}`;
    made.push(name);
    // The stored password goes with the create: the image is on the registry it belongs to.
    const created = await send("POST", "/v1/hosts/swarm/services", {
      name,
      image: rig().images.busyboxAuth,
      replicas: 0,
      cmd: ["sleep", "3600"],
    });
    expect(created.status).toBe(201);

    const updated = await send("PATCH", `/v1/hosts/swarm/services/${name}`, {
      image: `${trap.address}/portcall/anything:latest`,
      replicas: 1,
    });
    expect(updated.status).toBe(200);
    // The node's pull of the new image is over once its task has failed for want of it.
    const deadline = Date.now() + 40_000;
    const failed = async () =>
      (await docker().listTasks({ filters: { service: [name] } })).some(
        (task: Json) => task.Spec?.ContainerSpec?.Image?.startsWith(trap.address) && task.Status?.Err,
      );
    while (!(await failed())) {
      if (Date.now() > deadline) throw new Error(`no task of ${name} tried the new image`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(trap.seen.length).toBeGreaterThan(0);
    const basic = Buffer.from(`${authRegistry.username}:${authRegistry.password}`).toString("base64");
    expect(trap.seen.filter((line) => line.includes(basic))).toEqual([]);
  });

  it("a bind mount whose path is a Swarm template that climbs out of the granted folder is refused", async () => {
    const granted = `/tmp/svcatk-${unique}`;
    const { token } = await app.services.tokens.mint("cli", {
      name: "binds",
      scopes: ["services:read", "services:write"],
      hosts: ["swarm"],
      policy: { binds: [{ path: granted }] },
      ttlSeconds: 600,
    });
    const name = `svcatk-template-${unique}`;
    made.push(name);
    // Each node expands the template before it mounts: this is ${granted}/../../run, the host's /run.
    const res = await app.request("/v1/hosts/swarm/services", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        name,
        image: rig().images.busybox,
        cmd: ["ls", "/h"],
        mounts: [{ type: "bind", source: `${granted}/{{print "." "." "/" "." "." "/run"}}`, target: "/h" }],
      }),
    });
    await expectRefused(res, "template");
    expect((await docker().listServices()).some((service) => service.Spec?.Name === name)).toBe(false);
  });

  it("rolling back a service to a previous spec that added a capability is refused", async () => {
    const name = await foreign("rollback", { CapabilityAdd: ["CAP_SYS_ADMIN"] });
    // The owner took the capability away again: what it is now passes, what it was does not.
    await updateDirectly(name, (spec) => {
      spec.TaskTemplate.ContainerSpec.CapabilityAdd = [];
    });
    const before = await docker().getService(name).inspect();
    expect(before.PreviousSpec.TaskTemplate.ContainerSpec.CapabilityAdd).toEqual(["CAP_SYS_ADMIN"]);

    await expectRefused(await send("POST", `/v1/hosts/swarm/services/${name}/rollback`, {}), "CapabilityAdd");
    const after = await docker().getService(name).inspect();
    expect(after.Version.Index).toBe(before.Version.Index);
    expect(after.Spec.TaskTemplate.ContainerSpec.CapabilityAdd ?? []).toEqual([]);
  });

  it("a service someone gave a real-time priority limit cannot be scaled or updated", async () => {
    const name = await foreign("rtprio", { Ulimits: [{ Name: "rtprio", Soft: 99, Hard: 99 }] });
    expect((await docker().getService(name).inspect()).Spec.TaskTemplate.ContainerSpec.Ulimits).toHaveLength(
      1,
    );
    await expectRefused(
      await send("POST", `/v1/hosts/swarm/services/${name}/scale`, { replicas: 1 }),
      "Ulimits",
    );
    await expectRefused(
      await send("PATCH", `/v1/hosts/swarm/services/${name}`, { env: { A: "b" } }),
      "Ulimits",
    );
    expect((await docker().getService(name).inspect()).Spec.Mode.Replicated.Replicas).toBe(0);
  });
});
