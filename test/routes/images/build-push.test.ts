import { randomUUID } from "node:crypto";
import { buffer, text } from "node:stream/consumers";
import { pack } from "tar-stream";
import { beforeAll, expect, it } from "vitest";
import { contextFromFiles } from "../../../src/docker/build-context.js";
import { type TestApp, testApp } from "../../support/app.js";
import { type Json, readJson } from "../../support/http.js";
import { describeWithRig, ensureImage, rig, rigDocker, rigHost } from "../../support/rig.js";

describeWithRig("build on one host, push, run on another", () => {
  let app: TestApp;
  const json = (path: string, body: unknown, accept = "application/json") =>
    app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: accept },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    app = await testApp({ hosts: [rigHost("rig1"), rigHost("rig2")] });
  });

  it("builds from a Dockerfile text, shows its layers, pushes it, and runs it after a pull on the second host", async () => {
    const tag = `${rig().registry.address}/test/hello-${randomUUID().slice(0, 8)}:1`;
    const built = await json("/v1/hosts/rig1/images/build", {
      dockerfile: `FROM ${rig().images.busybox}\nARG GREETING\nCOPY hello.txt /hello.txt\nRUN echo "$GREETING" >> /hello.txt\nCMD ["cat", "/hello.txt"]\n`,
      files: { "hello.txt": "hello from rig1\n" },
      buildArgs: { GREETING: "built by portcall" },
      tags: [tag],
    });
    expect(built.status).toBe(200);
    expect((await readJson(built)).repoTags).toContain(tag);

    const history = await readJson(
      await app.request(`/v1/hosts/rig1/images/history?ref=${encodeURIComponent(tag)}`),
    );
    const steps = history.items.map((layer: Json) => layer.createdBy).join("\n");
    expect(steps).toMatch(/COPY .*hello\.txt/);
    expect(steps).toMatch(/GREETING.*echo/);

    const pushed = await json("/v1/hosts/rig1/images/push", { image: tag }, "application/x-ndjson");
    const events = (await pushed.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.at(-1)).toMatchObject({
      type: "result",
      image: { repoTags: expect.arrayContaining([tag]) },
    });
    expect((await json("/v1/hosts/rig2/images/pull", { image: tag })).status).toBe(200);

    const created = await readJson(await json("/v1/hosts/rig2/containers", { image: tag, start: true }));
    await json(`/v1/hosts/rig2/containers/${created.id}/wait?timeoutSeconds=30`, {});
    const output = await (await app.request(`/v1/hosts/rig2/containers/${created.id}/logs`)).text();
    expect(output).toBe("hello from rig1\nbuilt by portcall\n");
    await app.request(`/v1/hosts/rig2/containers/${created.id}?force=true`, { method: "DELETE" });
  });

  it("builds from an uploaded tar context, streaming the output", async () => {
    const tag = `${rig().registry.address}/test/tar-${randomUUID().slice(0, 8)}:1`;
    const tar = Buffer.from(
      await text(contextFromFiles(`FROM ${rig().images.busybox}\nRUN echo from-tar > /x\n`, {})),
      "latin1",
    );
    const res = await app.request(`/v1/hosts/rig1/images/build?tag=${encodeURIComponent(tag)}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-tar", Accept: "application/x-ndjson" },
      body: tar,
    });
    expect(res.status).toBe(200);
    const events = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.some((event) => event.type === "output" && /Step 2\/2/.test(event.line))).toBe(true);
    expect(events.at(-1)).toMatchObject({
      type: "result",
      image: { repoTags: expect.arrayContaining([tag]) },
    });
  });

  it("answers 400 naming the missing Dockerfile for a tar context without one, as `tar -C ./context -c .` makes it", async () => {
    const context = pack();
    context.entry({ name: "./", type: "directory" });
    context.entry({ name: "./hello.txt" }, "hello\n");
    context.finalize();
    const res = await app.request("/v1/hosts/rig1/images/build?tag=portcall-test/no-dockerfile:1", {
      method: "POST",
      headers: { "Content-Type": "application/x-tar" },
      body: Buffer.from(await buffer(context)),
    });
    expect(res.status).toBe(400);
    const problem = await readJson(res);
    expect(problem.code).toBe("invalid_request");
    expect(problem.detail).toBe(
      'The build context has no Dockerfile at "Dockerfile" (the `dockerfile` query parameter names it).',
    );
  });

  it("answers 422 build_failed with the daemon's message when a step fails", async () => {
    const res = await json("/v1/hosts/rig1/images/build", {
      dockerfile: `FROM ${rig().images.busybox}\nRUN exit 7\n`,
      tags: [`${rig().registry.address}/test/broken:1`],
    });
    expect(res.status).toBe(422);
    const problem = await readJson(res);
    expect(problem.code).toBe("build_failed");
    expect(problem.detail).toMatch(/returned a non-zero code: 7/);
  });

  it("answers 401 registry_auth_failed when pushing to the password registry without credentials", async () => {
    const repo = `${rig().authRegistry.address}/test/denied`;
    const tag = `${repo}:1`;
    await rigDocker("rig1").getImage(rig().images.busybox).tag({ repo, tag: "1" });
    const res = await json("/v1/hosts/rig1/images/push", { image: tag });
    expect(res.status).toBe(401);
    expect((await readJson(res)).code).toBe("registry_auth_failed");
  });
});
