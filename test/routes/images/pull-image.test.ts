import { beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type Json, readJson } from "../../support/http.js";
import { describeWithRig, rig, rigDocker, rigHost } from "../../support/rig.js";

describeWithRig("pulling images from the rig's registries", () => {
  let app: TestApp;
  const pull = (body: Json, accept = "application/json") =>
    app.request("/v1/hosts/rig3/images/pull", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: accept },
      body: JSON.stringify(body),
    });
  const forget = (ref: string) =>
    rigDocker("rig3")
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);

  beforeAll(async () => {
    app = await testApp({ hosts: [rigHost("rig3")] });
  });

  it("pulls an image the host does not have and answers with the image, then lists and inspects it", async () => {
    const ref = rig().images.busybox1;
    await forget(ref);
    const res = await pull({ image: ref });
    expect(res.status).toBe(200);
    const image = await readJson(res);
    expect(image.repoTags).toContain(ref);
    expect(image.layers.length).toBeGreaterThan(0);

    const listed = await readJson(await app.request("/v1/hosts/rig3/images"));
    expect(listed.items.some((item: Json) => item.repoTags.includes(ref))).toBe(true);
    const inspected = await app.request(`/v1/hosts/rig3/images/inspect?ref=${encodeURIComponent(ref)}`);
    expect((await readJson(inspected)).id).toBe(image.id);
    const history = await readJson(
      await app.request(`/v1/hosts/rig3/images/history?ref=${encodeURIComponent(ref)}`),
    );
    expect(history.items.map((layer: Json) => layer.createdBy).join("\n")).toMatch(/busybox/);
  });

  it("streams the pull's progress as NDJSON, ending in a result event", async () => {
    const ref = rig().images.busybox1;
    await forget(ref);
    const res = await pull({ image: ref }, "application/x-ndjson");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const events = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.at(-1)).toMatchObject({
      type: "result",
      image: { repoTags: expect.arrayContaining([ref]) },
    });
    expect(events.filter((event) => event.type === "progress").length).toBeGreaterThan(0);
  });

  it("answers 404 image_not_found for a tag the registry does not have", async () => {
    const res = await pull({ image: `${rig().registry.address}/portcall/busybox:no-such-tag` });
    expect(res.status).toBe(404);
    expect((await readJson(res)).code).toBe("image_not_found");
  });

  it("ends a streamed pull of a missing tag with an error event, not a silent 200", async () => {
    const res = await pull(
      { image: `${rig().registry.address}/portcall/busybox:no-such-tag` },
      "text/event-stream",
    );
    const text = await res.text();
    if (res.status === 200) expect(text).toMatch(/event: error[\s\S]*image_not_found/);
    else expect(res.status).toBe(404);
  });

  it("pulls from the password registry only with its credentials", async () => {
    const { authRegistry, images } = rig();
    await forget(images.busyboxAuth);
    const refused = await pull({ image: images.busyboxAuth });
    expect(refused.status).toBe(401);
    expect((await readJson(refused)).code).toBe("registry_auth_failed");
    const wrong = await pull({
      image: images.busyboxAuth,
      registryAuth: { username: authRegistry.username, password: "wrong" },
    });
    expect(wrong.status).toBe(401);
    const res = await pull({
      image: images.busyboxAuth,
      registryAuth: { username: authRegistry.username, password: authRegistry.password },
    });
    expect(res.status).toBe(200);
    const { items } = await app.services.audit.query({ limit: 20 });
    expect(JSON.stringify(items)).not.toContain(authRegistry.password);
  });

  it("tags an image under another reference and removes that tag again", async () => {
    const source = rig().images.busybox1;
    await pull({ image: source });
    const target = "portcall.test/tagged:v1";
    const tagged = await app.request("/v1/hosts/rig3/images/tag", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ source, target }),
    });
    expect(tagged.status).toBe(204);
    const image = await readJson(
      await app.request(`/v1/hosts/rig3/images/inspect?ref=${encodeURIComponent(target)}`),
    );
    expect(image.repoTags).toEqual(expect.arrayContaining([source, target]));
    expect(
      (await app.request(`/v1/hosts/rig3/images?ref=${encodeURIComponent(target)}`, { method: "DELETE" }))
        .status,
    ).toBe(204);
    expect(
      (await app.request(`/v1/hosts/rig3/images/inspect?ref=${encodeURIComponent(target)}`)).status,
    ).toBe(404);
    const pruned = await readJson(await app.request("/v1/hosts/rig3/images/prune", { method: "POST" }));
    expect(pruned).toMatchObject({ removed: expect.any(Array), reclaimedBytes: expect.any(Number) });
  });

  it("pulls from the password registry with credentials stored once by an admin, which are never shown", async () => {
    const { authRegistry, images } = rig();
    await forget(images.busyboxAuth);
    const stored = await app.request(`/v1/registries/${authRegistry.address}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: authRegistry.username, password: authRegistry.password }),
    });
    expect(stored.status).toBe(201);
    const listed = await app.request("/v1/registries");
    const text = await listed.text();
    expect(JSON.parse(text).items).toEqual([
      expect.objectContaining({ address: authRegistry.address, username: authRegistry.username }),
    ]);
    expect(text).not.toContain(authRegistry.password);

    expect((await pull({ image: images.busyboxAuth })).status).toBe(200);
    expect((await app.request(`/v1/registries/${authRegistry.address}`, { method: "DELETE" })).status).toBe(
      204,
    );
    await forget(images.busyboxAuth);
    expect((await pull({ image: images.busyboxAuth })).status).toBe(401);
  });
});
