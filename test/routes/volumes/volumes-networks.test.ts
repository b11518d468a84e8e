import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type Json, readJson } from "../../support/http.js";
import { describeWithRig, ensureImage, rig, rigDocker, rigHost } from "../../support/rig.js";

describeWithRig("volumes and networks", () => {
  let app: TestApp;
  const post = (path: string, body: unknown, token?: string) =>
    app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    app = await testApp({ hosts: [rigHost("rig1")] });
  });

  it("creates, lists, mounts, refuses to remove while used, and removes a volume", async () => {
    const name = `vol-${randomUUID().slice(0, 8)}`;
    const created = await post("/v1/hosts/rig1/volumes", { name, labels: { purpose: "test" } });
    expect(created.status).toBe(201);
    expect(await readJson(created)).toMatchObject({ name, driver: "local", labels: { purpose: "test" } });
    const { items } = await readJson(await app.request("/v1/hosts/rig1/volumes"));
    expect(items.map((v: Json) => v.name)).toContain(name);

    const container = await readJson(
      await post("/v1/hosts/rig1/containers", {
        image: rig().images.busybox,
        cmd: ["sh", "-c", "echo kept > /data/file"],
        mounts: [{ type: "volume", source: name, target: "/data" }],
        start: true,
      }),
    );
    await post(`/v1/hosts/rig1/containers/${container.id}/wait`, {});
    const busy = await app.request(`/v1/hosts/rig1/volumes/${name}`, { method: "DELETE" });
    expect(busy.status).toBe(409);
    await app.request(`/v1/hosts/rig1/containers/${container.id}`, { method: "DELETE" });
    expect((await app.request(`/v1/hosts/rig1/volumes/${name}`, { method: "DELETE" })).status).toBe(204);
    const gone = await app.request(`/v1/hosts/rig1/volumes/${name}`);
    expect(gone.status).toBe(404);
    expect((await readJson(gone)).code).toBe("volume_not_found");
  });

  it("refuses volume options that bind a host path without a grant, and other drivers' options always", async () => {
    const bind = await post("/v1/hosts/rig1/volumes", {
      name: "sneaky",
      driverOpts: { type: "none", o: "bind", device: "/etc" },
    });
    expect(bind.status).toBe(403);
    expect((await readJson(bind)).code).toBe("policy_denied");
    const nfs = await post("/v1/hosts/rig1/volumes", {
      name: "remote",
      driverOpts: { type: "nfs", o: "addr=192.0.2.1", device: ":/x" },
    });
    expect(nfs.status).toBe(403);
  });

  it("creates a network, connects a container under an alias, and removes both", async () => {
    const name = `net-${randomUUID().slice(0, 8)}`;
    const network = await readJson(await post("/v1/hosts/rig1/networks", { name }));
    expect(network).toMatchObject({ name, driver: "bridge", internal: false });
    const container = await readJson(
      await post("/v1/hosts/rig1/containers", {
        image: rig().images.busybox,
        cmd: ["sleep", "300"],
        stopTimeout: 1,
        start: true,
      }),
    );
    expect(
      (await post(`/v1/hosts/rig1/networks/${name}/connect`, { container: container.id, aliases: ["web"] }))
        .status,
    ).toBe(204);
    const inspected = await readJson(await app.request(`/v1/hosts/rig1/networks/${name}`));
    expect(inspected.containers.map((m: Json) => m.id)).toEqual([container.id]);
    expect(
      (await post(`/v1/hosts/rig1/networks/${name}/disconnect`, { container: container.id })).status,
    ).toBe(204);
    await app.request(`/v1/hosts/rig1/containers/${container.id}?force=true`, { method: "DELETE" });
    expect((await app.request(`/v1/hosts/rig1/networks/${name}`, { method: "DELETE" })).status).toBe(204);
    expect((await app.request(`/v1/hosts/rig1/networks/${name}`)).status).toBe(404);
  });
});
