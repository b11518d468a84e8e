import { afterAll, beforeAll, expect, it } from "vitest";
import type { ContainerSummary } from "../../../src/schemas/container.js";
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

describeWithRig("list containers on rig daemons", () => {
  const label = testLabel();
  const hosts = ["rig1", "rig2"];
  let app: TestApp;

  async function list(host: string, query: string): Promise<ContainerSummary[]> {
    const res = await app.request(`/v1/hosts/${host}/containers?${query}`);
    expect(res.status).toBe(200);
    return (await readJson(res)).items;
  }

  beforeAll(async () => {
    app = await testApp({ hosts: hosts.map((name) => rigHost(name)) });
    for (const name of hosts) {
      const docker = rigDocker(name);
      await ensureImage(docker, rig().images.busybox);
      const common = { Image: rig().images.busybox, Cmd: ["sleep", "300"] };
      const running = await docker.createContainer({
        ...common,
        name: `web-${name}-${label.value.slice(0, 8)}`,
        Labels: { [label.key]: label.value, tier: "web" },
        ExposedPorts: { "80/tcp": {} },
        HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] } },
      });
      await running.start();
      await docker.createContainer({ ...common, Labels: { [label.key]: label.value, tier: "db" } });
    }
  });
  afterAll(async () => {
    await Promise.all(hosts.map((name) => removeLabelled(rigDocker(name), label.filter)));
  });

  it.each(hosts)("lists only running containers on %s by default", async (host) => {
    const items = await list(host, `label=${label.filter}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      name: `web-${host}-${label.value.slice(0, 8)}`,
      image: rig().images.busybox,
      state: "running",
      labels: { [label.key]: label.value, tier: "web" },
      networks: ["bridge"],
    });
    expect(items[0]?.ports).toEqual([
      { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: expect.any(Number) },
    ]);
  });

  it("includes stopped containers with all=true", async () => {
    const items = await list("rig1", `all=true&label=${label.filter}`);
    expect(items.map((item) => item.state).sort()).toEqual(["created", "running"]);
  });

  it("requires every label filter to match when several are given", async () => {
    const items = await list("rig1", `all=true&label=${label.filter}&label=tier=db`);
    expect(items).toHaveLength(1);
    expect(items[0]?.labels.tier).toBe("db");
  });

  it("filters by state", async () => {
    const items = await list("rig2", `all=true&label=${label.filter}&status=created`);
    expect(items.map((item) => item.state)).toEqual(["created"]);
  });

  it("refuses a label filter carrying control characters", async () => {
    const res = await app.request(`/v1/hosts/rig1/containers?label=${encodeURIComponent("a=b\nlabel=c")}`);
    expect(res.status).toBe(400);
  });
});
