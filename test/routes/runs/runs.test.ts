import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { silentSocket } from "../../support/fault-sockets.js";
import { type Json, readJson } from "../../support/http.js";
import {
  describeWithRig,
  dockerCli,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  rigHost,
  testLabel,
} from "../../support/rig.js";

describeWithRig("runs: docker run as one call", () => {
  const label = testLabel();
  let app: TestApp;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const run = async (spec: Json, headers: Record<string, string> = {}) => {
    const res = await post(
      "/v1/runs",
      { host: "rig1", image: rig().images.busybox, labels: { [label.key]: label.value }, ...spec },
      headers,
    );
    return { res, body: await readJson(res) };
  };
  const labelled = async (name: string, filter = label.filter) =>
    rigDocker(name).listContainers({ all: true, filters: { label: [filter] } });

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    app = await testApp({ hosts: [rigHost("rig1"), rigHost("rig2")] });
  });
  afterAll(async () => {
    await removeLabelled(rigDocker("rig1"), label.filter);
    await removeLabelled(rigDocker("rig2"), label.filter);
  });

  it("pulls an image the host does not have and answers with exit code and output in one call", async () => {
    // An image with a layer of its own, pushed to the rig registry and removed again, so only a real pull brings it.
    const image = `${rig().registry.address}/portcall/run-${randomUUID().slice(0, 8)}:1`;
    const maker = `maker-${randomUUID().slice(0, 8)}`;
    await dockerCli("rig1", "run", "--name", maker, rig().images.busybox, "sh", "-c", "echo fresh > /marker");
    await dockerCli("rig1", "commit", maker, image);
    await dockerCli("rig1", "rm", maker);
    await dockerCli("rig1", "push", image);
    await dockerCli("rig1", "rmi", image);

    const { res, body } = await run({ image, cmd: ["sh", "-c", "cat /marker; echo oops >&2"] });

    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v1/runs/${body.id}`);
    expect(body).toMatchObject({
      host: "rig1",
      image,
      imageDigest: expect.stringMatching(/@sha256:[a-f0-9]{64}$/),
      status: "exited",
      exitCode: 0,
      oomKilled: false,
      removed: true,
      output: { stdout: "fresh\n", stderr: "oops\n", truncated: false },
      phases: { pullMs: expect.any(Number), createMs: expect.any(Number), startMs: expect.any(Number) },
    });
    expect(Date.parse(body.finishedAt) - Date.parse(body.startedAt)).toBe(body.durationMs);
    await expect(rigDocker("rig1").getImage(image).inspect()).resolves.toBeTruthy();
    expect(await labelled("rig1", `portcall.run=${body.id}`)).toHaveLength(0);
  });

  it("answers 404 image_not_found for an image its registry does not have, and stores no run", async () => {
    const image = `${rig().registry.address}/portcall/never-pushed-${randomUUID().slice(0, 8)}:1`;
    const { res, body } = await run({
      image,
      cmd: ["true"],
      labels: { [label.key]: label.value, lost: image },
    });
    expect(res.status).toBe(404);
    expect(body.code).toBe("image_not_found");
    const listed = await readJson(await app.request(`/v1/runs?label=lost=${encodeURIComponent(image)}`));
    expect(listed.items).toEqual([]);
  });

  it("wants exactly one of host and hostSelector", async () => {
    const both = await run({ hostSelector: { labels: {} }, cmd: ["true"] });
    expect(both.res.status).toBe(400);
    const neither = await run({ host: undefined, cmd: ["true"] });
    expect(neither.res.status).toBe(400);
    expect(neither.body.errors).toContainEqual(expect.objectContaining({ path: "host" }));
  });

  it("returns the command's own exit code", async () => {
    const { res, body } = await run({ cmd: ["sh", "-c", "echo bye; exit 3"], pull: "never" });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ exitCode: 3, output: { stdout: "bye\n" }, phases: { pullMs: null } });
  });

  it("never hangs on a container that exits at once", async () => {
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      const { res, body } = await run({ cmd: ["true"], timeoutSeconds: 30 });
      expect(res.status).toBe(201);
      expect(body).toMatchObject({ status: "exited", exitCode: 0 });
      expect(performance.now() - started).toBeLessThan(10_000);
    }
  });

  it("answers 202 when the run outlives the wait, and the long-poll later gives its result", async () => {
    const { res, body } = await run({ cmd: ["sh", "-c", "sleep 3; echo late"], timeoutSeconds: 1 });
    expect(res.status).toBe(202);
    expect(body).toMatchObject({ status: "running", exitCode: null, output: null });
    expect(body.links.wait).toBe(`/v1/runs/${body.id}/wait`);

    let waited = await app.request(`${body.links.wait}?timeoutSeconds=20`);
    let result = await readJson(waited);
    expect(waited.status).toBe(200);
    expect(result).toMatchObject({
      status: "exited",
      exitCode: 0,
      output: { stdout: "late\n" },
      removed: true,
    });

    waited = await app.request(`/v1/runs/${body.id}`);
    result = await readJson(waited);
    expect(result.status).toBe("exited");
  });

  it("ends a run whose output the host cannot give back, saying why, instead of waiting forever", async () => {
    const { res, body } = await run({ cmd: ["sh", "-c", "sleep 2; echo lost"], wait: false, remove: false });
    expect(res.status).toBe(202);
    // A directory where the container's log file was makes the daemon answer its logs with HTTP 500 (the running
    // container keeps writing to the file it holds open, which nothing can read back any more).
    const { LogPath: logPath } = await rigDocker("rig1").getContainer(body.containerId).inspect();
    await rm(logPath);
    await mkdir(logPath);
    try {
      const waited = await app.request(`${body.links.wait}?timeoutSeconds=20`);
      expect(waited.status).toBe(200);
      expect(await readJson(waited)).toMatchObject({
        status: "exited",
        exitCode: 0,
        output: null,
        error: expect.stringContaining("its output could not be read"),
      });
    } finally {
      await rm(logPath, { recursive: true, force: true });
    }
  });

  it("cancels a run: the container is stopped and the run says cancelled", async () => {
    const { res, body } = await run({ cmd: ["sleep", "300"], wait: false });
    expect(res.status).toBe(202);
    const cancelled = await app.request(`/v1/runs/${body.id}/cancel?graceSeconds=1`, { method: "POST" });
    const result = await readJson(cancelled);
    expect(cancelled.status).toBe(200);
    expect(result).toMatchObject({ status: "cancelled", exitCode: expect.any(Number), removed: false });
    const container = await rigDocker("rig1").getContainer(body.containerId).inspect();
    expect(container.State.Running).toBe(false);
  });

  it("says oomKilled when the container ran out of its memory limit", async () => {
    const { body } = await run({
      // A shell variable of 64 MB in a 6 MiB container.
      cmd: ["sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo survived"],
      limits: { memoryBytes: 6 * 1024 * 1024 },
      timeoutSeconds: 60,
    });
    expect(body).toMatchObject({ status: "exited", oomKilled: true });
    expect(body.output.stdout).not.toContain("survived");
  });

  it("keeps the beginning and end of 50 MB of output within the limit, and says it cut", async () => {
    const { body } = await run({
      cmd: ["sh", "-c", "echo FIRST; head -c 52428800 /dev/zero | tr '\\0' x; echo; echo LAST"],
      outputLimitBytes: 64 * 1024,
      timeoutSeconds: 120,
    });
    expect(body).toMatchObject({ status: "exited", exitCode: 0, output: { truncated: true } });
    expect(body.output.stdout.startsWith("FIRST\n")).toBe(true);
    expect(body.output.stdout.endsWith("LAST\n")).toBe(true);
    expect(body.output.stdout.length).toBeLessThan(33 * 1024);
    expect(body.output.stdoutBytes).toBe(6 + 52_428_800 + 1 + 5);
  });

  it("refuses a run the create policy denies before anything happens on the host", async () => {
    const { res, body } = await run({
      cmd: ["true"],
      mounts: [{ type: "bind", source: "/etc", target: "/host-etc" }],
    });
    expect(res.status).toBe(403);
    expect(body.code).toBe("policy_denied");
    const { res: bad } = await run({ cmd: ["true"], privileged: true });
    expect(bad.status).toBe(400);
  });

  it("refuses a run that mounts a volume which is a bind of a host path, and leaves no container", async () => {
    const disguised = `etc-${randomUUID().slice(0, 8)}`;
    await rigDocker("rig1").createVolume({
      Name: disguised,
      Driver: "local",
      DriverOpts: { type: "none", o: "bind", device: "/etc" },
    });
    try {
      const marker = randomUUID();
      const { res, body } = await run({
        cmd: ["cat", "/x/shadow"],
        mounts: [{ type: "volume", source: disguised, target: "/x" }],
        labels: { [label.key]: label.value, marker },
      });
      expect(res.status).toBe(403);
      expect(body).toMatchObject({ code: "policy_denied", detail: expect.stringContaining(disguised) });
      expect(await labelled("rig1", `marker=${marker}`)).toHaveLength(0);
    } finally {
      await rigDocker("rig1").getVolume(disguised).remove();
    }
  });

  it("creates one container for one Idempotency-Key, sent twice in a row or at once", async () => {
    const key = randomUUID();
    const spec = { cmd: ["sh", "-c", "echo once"], labels: { [label.key]: label.value, idem: key } };
    const first = await run(spec, { "Idempotency-Key": key });
    const second = await run(spec, { "Idempotency-Key": key });
    expect(first.res.status).toBe(201);
    expect(second.res.status).toBe(201);
    expect(second.res.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body).toEqual(first.body);

    const concurrentKey = randomUUID();
    const together = {
      cmd: ["sleep", "1"],
      wait: false,
      labels: { [label.key]: label.value, idem: concurrentKey },
    };
    const both = await Promise.all([
      run(together, { "Idempotency-Key": concurrentKey }),
      run(together, { "Idempotency-Key": concurrentKey }),
    ]);
    expect(both.map(({ res }) => res.status)).toEqual([202, 202]);
    expect(both[0]?.body.id).toBe(both[1]?.body.id);
    expect(await labelled("rig1", `idem=${concurrentKey}`)).toHaveLength(1);

    const reused = await run({ ...spec, cmd: ["echo", "other"] }, { "Idempotency-Key": key });
    expect(reused.res.status).toBe(422);
    expect(reused.body.code).toBe("idempotency_key_reuse");
  });

  it("never replays a kept answer to a token of the same subject that may not use the run's host", async () => {
    const key = randomUUID();
    const spec = { cmd: ["echo", "secret"], labels: { [label.key]: label.value } };
    expect((await run(spec, { "Idempotency-Key": key })).res.status).toBe(201);

    const rig2Only = await app.token(["runs:create"], ["rig2"]);
    const narrower = await run(spec, { "Idempotency-Key": key, Authorization: `Bearer ${rig2Only}` });
    // A host the token may not use is one it cannot see.
    expect(narrower.res.status).toBe(404);
    expect(narrower.body.code).toBe("host_not_found");
    expect(narrower.res.headers.get("idempotent-replayed")).toBeNull();
    expect(JSON.stringify(narrower.body)).not.toContain("secret");

    // Another policy is another caller: its request is done anew under its own policy, not answered from the key.
    const { token: otherPolicy } = await app.services.tokens.mint("cli", {
      name: "other-policy",
      scopes: ["runs:create"],
      hosts: ["*"],
      policy: { publicPorts: true },
      ttlSeconds: 600,
    });
    const fresh = await run(spec, { "Idempotency-Key": key, Authorization: `Bearer ${otherPolicy}` });
    expect(fresh.res.status).toBe(201);
    expect(fresh.res.headers.get("idempotent-replayed")).toBeNull();
  });

  it("creates one container per Idempotency-Key on container create too", async () => {
    const key = randomUUID();
    const spec = {
      image: rig().images.busybox,
      cmd: ["true"],
      labels: { [label.key]: label.value, idem: key },
    };
    const answers = await Promise.all(
      [1, 2, 3].map(() => post("/v1/hosts/rig1/containers", spec, { "Idempotency-Key": key })),
    );
    expect(answers.map((res) => res.status)).toEqual([201, 201, 201]);
    expect(await labelled("rig1", `idem=${key}`)).toHaveLength(1);
  });

  it("places a run by host labels on the reachable host with the fewest running containers", async () => {
    await app.request("/v1/hosts/rig1", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ labels: { pool: "placement" } }),
    });
    // A host that takes connections and never answers: placement must not wait on it past its deadline.
    const hung = await silentSocket();
    const hungHost = { id: "hung", url: hung.url, labels: { pool: "placement", zone: "dead" } };
    const registered = await post("/v1/hosts", hungHost);
    expect(registered.status).toBe(201);
    // rig1 is made the busier of the two.
    const busy = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() => run({ cmd: ["sleep", "60"], wait: false, remove: true })),
    );
    await app.request("/v1/hosts/rig2", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ labels: { pool: "placement" } }),
    });
    await ensureImage(rigDocker("rig2"), rig().images.busybox);

    const { res, body } = await run({
      host: undefined,
      hostSelector: { labels: { pool: "placement" } },
      cmd: ["true"],
    });
    expect(res.status).toBe(201);
    expect(body.host).toBe("rig2");

    const none = await run({ host: undefined, hostSelector: { labels: { pool: "nowhere" } }, cmd: ["true"] });
    expect(none.res.status).toBe(409);
    expect(none.body.code).toBe("no_host_available");
    expect(none.body.detail).toContain("rig1: labels do not match");
    expect(none.body.hosts).toContainEqual({ host: "rig2", reason: "labels do not match" });
    const dead = await run({ host: undefined, hostSelector: { labels: { zone: "dead" } }, cmd: ["true"] });
    expect(dead.res.status).toBe(409);
    expect(dead.body.detail).toMatch(/hung: host_(timeout|unavailable)/);
    await hung.close();

    await Promise.all(
      busy.map(({ body: started }) => post(`/v1/runs/${started.id}/cancel?graceSeconds=0`, {})),
    );
  });

  it("lists runs newest first, by label and status, a page at a time", async () => {
    const tag = randomUUID();
    for (const code of [1, 2, 3]) {
      await run({ cmd: ["sh", "-c", `exit ${code}`], labels: { [label.key]: label.value, batch: tag } });
    }
    const first = await readJson(await app.request(`/v1/runs?label=batch=${tag}&limit=2`));
    expect(first.items.map((item: Json) => item.exitCode)).toEqual([3, 2]);
    const second = await readJson(
      await app.request(`/v1/runs?label=batch=${tag}&limit=2&cursor=${first.nextCursor}`),
    );
    expect(second.items.map((item: Json) => item.exitCode)).toEqual([1]);
    expect(second.nextCursor).toBeNull();
    const exited = await readJson(await app.request(`/v1/runs?label=batch=${tag}&status=running`));
    expect(exited.items).toEqual([]);

    const other = await app.token(["runs:read"], ["rig2"]);
    const hidden = await app.request(`/v1/runs/${first.items[0].id}`, {
      headers: { Authorization: `Bearer ${other}` },
    });
    expect(hidden.status).toBe(404);
  });

  it("streams a running run's logs, and points to the kept output once its container is gone", async () => {
    const { body } = await run({ cmd: ["sh", "-c", "echo hello; sleep 2; echo done"], wait: false });
    const logs = await app.request(`/v1/runs/${body.id}/logs?follow=true`);
    expect(logs.status).toBe(200);
    expect(await logs.text()).toBe("hello\ndone\n");

    const removed = await run({ cmd: ["echo", "hi"] });
    const gone = await app.request(`/v1/runs/${removed.body.id}/logs`);
    expect(gone.status).toBe(409);
  });

  it("refuses a token's run past its concurrency limit with 429 and Retry-After", async () => {
    const limited = await testApp({ hosts: [rigHost("rig1")], limits: { runs: 1 } });
    const token = await limited.token(["runs:create", "runs:read"]);
    const send = (spec: Json) =>
      limited.request("/v1/runs", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          host: "rig1",
          image: rig().images.busybox,
          labels: { [label.key]: label.value },
          ...spec,
        }),
      });
    const first = await readJson(await send({ cmd: ["sleep", "60"], wait: false, remove: true }));
    const refused = await send({ cmd: ["true"] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect((await readJson(refused)).code).toBe("too_many_requests");
    await limited.request(`/v1/runs/${first.id}/cancel?graceSeconds=0`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect((await send({ cmd: ["true"] })).status).toBe(201);
  });
});
