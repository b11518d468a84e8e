import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../support/app.js";
import { type Json, readJson } from "../support/http.js";
import {
  bindBackedVolume,
  describeWithRig,
  dockerCli,
  removeServices,
  rig,
  rigDocker,
  rigHost,
} from "../support/rig.js";

const swarmDaemon = () => rig().swarm?.daemon ?? "rig4";

// Services someone else made on the swarm, straight on the daemon, with more power than the policy gives:
// portcall must not become the way to restart, grow or roll them.
describeWithRig("changing a Swarm service someone else gave more power", () => {
  let app: TestApp;
  const unique = randomUUID().slice(0, 8);
  const volume = `svcsec-etc-${unique}`;
  const made: string[] = [];
  const docker = () => rigDocker(swarmDaemon());
  const foreign = async (what: string, spec: Json) => {
    const name = `svcsec-${what}-${unique}`;
    made.push(name);
    await docker().createService({
      Name: name,
      Mode: { Replicated: { Replicas: 0 } },
      ...spec,
      TaskTemplate: {
        ...spec.TaskTemplate,
        ContainerSpec: {
          Image: rig().images.busybox,
          Args: ["sleep", "3600"],
          ...spec.TaskTemplate?.ContainerSpec,
        },
      },
    });
    return name;
  };
  const replicasOf = async (name: string) =>
    (await docker().getService(name).inspect()).Spec.Mode.Replicated.Replicas;
  /** Every change portcall offers, each of which must be refused and leave the service as it was. */
  const expectEveryChangeRefused = async (name: string) => {
    const base = `/v1/hosts/swarm/services/${name}`;
    const attempts = [
      ["POST", `${base}/scale`, { replicas: 2 }],
      ["PATCH", base, { replicas: 1 }],
      ["PATCH", base, { env: { A: "b" } }],
    ] as const;
    for (const [method, path, body] of attempts) {
      const res = await app.request(path, {
        method,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await readJson(res)).code).toBe("policy_denied");
    }
    expect(await replicasOf(name)).toBe(0);
  };

  beforeAll(async () => {
    app = await testApp({ hosts: [rigHost(swarmDaemon(), "swarm")] });
    await bindBackedVolume(swarmDaemon(), volume, "/etc");
  });
  afterAll(async () => {
    await removeServices(swarmDaemon(), made);
    // The service's tasks go first; the volume can only go once nothing holds it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await dockerCli(swarmDaemon(), "volume", "rm", "-f", volume).catch(() => {});
  });

  it("a service someone put on the host network cannot be scaled or updated", async () => {
    const name = await foreign("hostnet", { TaskTemplate: { Networks: [{ Target: "host" }] } });
    // Swarm keeps the network's id, not the name "host": the check must resolve it.
    const stored = await docker().getService(name).inspect();
    expect(stored.Spec.TaskTemplate.Networks[0].Target).not.toBe("host");
    await expectEveryChangeRefused(name);
  });

  it("a service put on the host network the pre-1.44 way (networks beside the task template) cannot be scaled", async () => {
    const name = await foreign("oldnet", { Networks: [{ Target: "host" }] });
    await expectEveryChangeRefused(name);
  });

  it("a service mounting a named volume that binds /etc of the node cannot be scaled or updated", async () => {
    const name = await foreign("volume", {
      TaskTemplate: { ContainerSpec: { Mounts: [{ Type: "volume", Source: volume, Target: "/h" }] } },
    });
    await expectEveryChangeRefused(name);
  });

  it("the same services can still be inspected and removed (removing takes power away)", async () => {
    const name = made[0];
    if (!name) throw new Error("the first test made no service");
    expect((await app.request(`/v1/hosts/swarm/services/${name}`)).status).toBe(200);
    expect((await app.request(`/v1/hosts/swarm/services/${name}`, { method: "DELETE" })).status).toBe(204);
  });
});
