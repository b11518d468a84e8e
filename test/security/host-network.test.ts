import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../support/app.js";
import { type Json, readJson } from "../support/http.js";
import { describeWithRig, ensureImage, removeLabelled, rig, rigDocker, rigHost } from "../support/rig.js";

const swarmDaemon = () => rig().swarm?.daemon ?? "rig4";

/** The id the daemon's `host` network goes by; Docker takes any unique prefix of it as its name. */
async function hostNetworkId(daemon: string): Promise<string> {
  const [network] = await rigDocker(daemon).listNetworks({ filters: { driver: ["host"] } });
  if (!network) throw new Error(`${daemon} has no host network`);
  return network.Id;
}

describeWithRig("asking for the host's network by another of its names", () => {
  let app: TestApp;
  const unique = randomUUID().slice(0, 8);
  const label = { key: "hostnet.attack", value: unique };
  const send = (path: string, body: Json, token?: string) =>
    app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const leftOnRig1 = () =>
    rigDocker("rig1").listContainers({ all: true, filters: { label: [`${label.key}=${label.value}`] } });
  const services = async () =>
    (await rigDocker(swarmDaemon()).listServices()).filter((service) => service.Spec?.Name?.includes(unique));

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    app = await testApp({ hosts: [rigHost("rig1"), rigHost(swarmDaemon(), "swarm")] });
  });
  afterAll(async () => {
    await removeLabelled(rigDocker("rig1"), `${label.key}=${label.value}`);
    await Promise.all(
      (await services()).map((service) => rigDocker(swarmDaemon()).getService(service.ID).remove()),
    );
  });

  it("a container created on the host network's id, or a prefix of it, is refused and not left behind", async () => {
    const id = await hostNetworkId("rig1");
    const spec = {
      image: rig().images.busybox,
      cmd: ["sleep", "60"],
      labels: { [label.key]: label.value },
    };
    for (const network of [id, id.slice(0, 8), id.slice(0, 3)]) {
      const created = await send("/v1/hosts/rig1/containers", { ...spec, network, start: true });
      expect(created.status, network).toBe(403);
      const problem = await readJson(created);
      expect(problem.code).toBe("policy_denied");
      expect(problem.detail).toContain("hostNetwork: true");
      const ran = await send("/v1/runs", { host: "rig1", ...spec, cmd: ["true"], network });
      expect(ran.status, network).toBe(403);
    }
    expect(await leftOnRig1()).toEqual([]);
  });

  it("a token granted the host network may still use it by its id", async () => {
    const { token } = await app.services.tokens.mint("cli", {
      name: "host network",
      scopes: ["containers:write"],
      hosts: ["rig1"],
      policy: { hostNetwork: true },
      ttlSeconds: 600,
    });
    const created = await send(
      "/v1/hosts/rig1/containers",
      {
        image: rig().images.busybox,
        cmd: ["true"],
        network: (await hostNetworkId("rig1")).slice(0, 12),
        labels: { [label.key]: label.value },
      },
      token,
    );
    expect(created.status).toBe(201);
  });

  it("a Swarm service on the host network's id or a prefix of it is refused before the daemon sees it", async () => {
    const id = await hostNetworkId(swarmDaemon());
    for (const network of [id, id.slice(0, 8)]) {
      const res = await send("/v1/hosts/swarm/services", {
        name: `hostnet-${unique}-${network.length}`,
        image: rig().images.busybox,
        cmd: ["sleep", "3600"],
        networks: [network],
      });
      expect(res.status, network).toBe(403);
      expect((await readJson(res)).detail).toContain("hostNetwork: true");
    }
    expect(await services()).toEqual([]);
  });
});
