import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { post, startTarget, type Target } from "../support/attack.js";
import { readJson } from "../support/http.js";
import { describeWithRig, rig, rigDocker } from "../support/rig.js";

/** Whether the rig registry at `address` has `repository` (its tags list, with the registry's credentials). */
async function registryHas(address: string, repository: string): Promise<boolean> {
  const { authRegistry } = rig();
  const basic = Buffer.from(`${authRegistry.username}:${authRegistry.password}`).toString("base64");
  const res = await fetch(`http://${address}/v2/${repository}/tags/list`, {
    headers: { Authorization: `Basic ${basic}` },
  });
  return res.status === 200;
}

async function onRig(ref: string): Promise<boolean> {
  return rigDocker("rig1")
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/**
 * A tag is what a later run on that host uses under that name, and a push writes a registry: both are writes of
 * a repository, granted by the token's `images` policy, whatever spelling of the name is used.
 */
describeWithRig("writing image names", () => {
  let target: Target;
  let narrow: string;
  let team: string;
  const unique = randomUUID().slice(0, 8);
  const local = rig().registry.address;
  const auth = rig().authRegistry.address;
  beforeAll(async () => {
    target = await startTarget();
    expect(
      (await target.api("/v1/hosts", post({ id: "shared", url: rig().daemons.rig1?.dockerHost }))).status,
    ).toBe(201);
    const { authRegistry } = rig();
    await target.api(
      `/v1/registries/${auth}`,
      post({ username: authRegistry.username, password: authRegistry.password }, "PUT"),
    );
    narrow = await target.mint(
      "narrow",
      ["images:write", "images:build", "images:read", "runs:create"],
      ["*"],
    );
    team = await target.mint("team", ["images:write", "images:build", "images:read"], ["*"], {
      images: [`${local}/team-${unique}/*`, `${auth}/exfil-${unique}/*`, "team/*"],
    });
  });
  afterAll(async () => {
    const docker = rigDocker("rig1");
    for (const ref of ["team/app:1", "team/app:2", "team/app:3", `${local}/team-${unique}/app:1`]) {
      await docker
        .getImage(ref)
        .remove()
        .catch(() => {});
    }
    await target.discard();
  });

  const tag = (token: string, tagTarget: string) =>
    target.as(
      token,
      "/v1/hosts/shared/images/tag",
      post({ source: rig().images.busybox, target: tagTarget }),
    );

  it("a token without an images grant cannot plant an image under a name the admin later runs", async () => {
    const planted = `${local}/team-${unique}/app:1`;
    const res = await tag(narrow, planted);
    expect(res.status).toBe(403);
    expect((await readJson(res)).code).toBe("policy_denied");
    expect(await onRig(planted)).toBe(false);
    // The admin's run finds nothing planted: the host pulls, and the registry has no such image.
    const run = await target.api("/v1/runs", post({ host: "shared", image: planted, cmd: ["true"] }));
    expect(run.status).toBe(404);
    expect((await readJson(run)).code).toBe("image_not_found");
  });

  it("a token cannot tag outside its images grant by spelling the repository another way", async () => {
    for (const spelling of [
      "teamx/app:1",
      "busybox:evil",
      "library/busybox:evil",
      "docker.io/library/busybox:evil",
      "index.docker.io/library/busybox:evil",
      `${local}/team/app:1`,
      `${local}/team-${unique}x/app:1`,
      `localhost:5055/team-${unique}/app:1`,
    ]) {
      const res = await tag(team, spelling);
      expect(res.status, spelling).toBe(403);
      expect(await onRig(spelling), spelling).toBe(false);
    }
    for (const spelling of [
      "team/app:1",
      "docker.io/team/app:2",
      "index.docker.io/team/app:3",
      `${local}/team-${unique}/app:1`,
    ]) {
      const res = await tag(team, spelling);
      expect(res.status, spelling).toBe(204);
    }
  });

  it("a token cannot push with the stored registry credentials outside its images grant", async () => {
    const exfil = `${auth}/exfil-${unique}/copy:1`;
    const elsewhere = `${auth}/other-${unique}/copy:1`;
    for (const ref of [exfil, elsewhere]) {
      expect(
        (await target.api("/v1/hosts/shared/images/tag", post({ source: rig().images.busybox, target: ref })))
          .status,
      ).toBe(204);
    }
    const denied = await target.as(narrow, "/v1/hosts/shared/images/push", post({ image: exfil }));
    expect(denied.status).toBe(403);
    const outside = await target.as(team, "/v1/hosts/shared/images/push", post({ image: elsewhere }));
    expect(outside.status).toBe(403);
    expect(await registryHas(auth, `exfil-${unique}/copy`)).toBe(false);
    expect(await registryHas(auth, `other-${unique}/copy`)).toBe(false);

    const granted = await target.as(team, "/v1/hosts/shared/images/push", post({ image: exfil }));
    expect(granted.status).toBe(200);
    expect(await registryHas(auth, `exfil-${unique}/copy`)).toBe(true);
  });

  it("a token cannot build into a name outside its images grant", async () => {
    const build = (token: string, tags: string[]) =>
      target.as(
        token,
        "/v1/hosts/shared/images/build",
        post({ dockerfile: `FROM ${rig().images.busybox}\nRUN echo planted > /planted\n`, tags }),
      );
    const planted = `${local}/team-${unique}/built:1`;
    for (const [token, tags] of [
      [narrow, [planted]],
      [team, [`${local}/team-${unique}/ok:1`, `${local}/elsewhere-${unique}/app:1`]],
    ] as const) {
      const res = await build(token, [...tags]);
      expect(res.status, tags.join(" ")).toBe(403);
      expect((await readJson(res)).code).toBe("policy_denied");
      for (const tag of tags) expect(await onRig(tag), tag).toBe(false);
    }
    const granted = await build(team, [planted]);
    expect(granted.status).toBe(200);
    expect(await onRig(planted)).toBe(true);
    await rigDocker("rig1").getImage(planted).remove();
  });

  it("a token cannot remove another's image names, by name or by id, nor prune every tag", async () => {
    const admins = `${local}/prod-${unique}/app:1`;
    const tagged = await target.api(
      "/v1/hosts/shared/images/tag",
      post({ source: rig().images.busybox, target: admins }),
    );
    expect(tagged.status).toBe(204);
    const { id } = await readJson(
      await target.api(`/v1/hosts/shared/images/inspect?ref=${encodeURIComponent(admins)}`),
    );
    for (const ref of [admins, id, id.replace("sha256:", "").slice(0, 12)]) {
      const res = await target.as(team, `/v1/hosts/shared/images?ref=${encodeURIComponent(ref)}&force=true`, {
        method: "DELETE",
      });
      expect(res.status, ref).toBe(403);
    }
    expect(await onRig(admins)).toBe(true);
    const prune = await target.as(team, "/v1/hosts/shared/images/prune?all=true", { method: "POST" });
    expect(prune.status).toBe(403);
    // Its own name it may remove.
    const own = `${local}/team-${unique}/mine:1`;
    expect((await tag(team, own)).status).toBe(204);
    const removed = await target.as(team, `/v1/hosts/shared/images?ref=${encodeURIComponent(own)}`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(204);
    expect(await onRig(own)).toBe(false);
    await rigDocker("rig1").getImage(admins).remove();
  });
});
