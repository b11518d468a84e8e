import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { busybox, postExec, processList } from "../../support/exec.js";
import { type Json, readJson } from "../../support/http.js";
import { describeWithRig, removeLabelled, rig, rigDocker, rigHost, testLabel } from "../../support/rig.js";

const NDJSON = "application/x-ndjson";

describeWithRig("exec in a running container", () => {
  const label = testLabel();
  let app: TestApp;
  let running: string;

  const container = (cmd: string[], start = true) =>
    busybox("rig1", { [label.key]: label.value }, cmd, start);
  const exec = (body: Json, options: { id?: string; accept?: string; on?: TestApp } = {}) =>
    postExec(
      { app: options.on ?? app, host: "rig1", id: options.id ?? running, accept: options.accept },
      body,
    );
  const processes = (id: string) => processList(app, "rig1", id);
  const ndjson = (text: string): Json[] =>
    text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));

  beforeAll(async () => {
    app = await testApp({ hosts: [rigHost("rig1")] });
    running = await container(["sleep", "3600"]);
  });
  afterAll(async () => {
    await removeLabelled(rigDocker("rig1"), label.filter);
    const { Volumes: volumes } = await rigDocker("rig1").listVolumes({ filters: { label: [label.filter] } });
    await Promise.all((volumes ?? []).map((volume) => rigDocker("rig1").getVolume(volume.Name).remove()));
  });

  it("answers with the command's exit code, stdout and stderr in one call", async () => {
    const res = await exec({ cmd: ["sh", "-c", "echo out; echo err >&2; exit 4"] });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toEqual({
      exitCode: 4,
      stdout: "out\n",
      stderr: "err\n",
      truncated: false,
      stdoutBytes: 4,
      stderrBytes: 4,
      durationMs: expect.any(Number),
      timedOut: false,
    });
  });

  it("gives stdin to the command, which then sees its end", async () => {
    const fed = await readJson(await exec({ cmd: ["cat"], stdin: "hello\nwörld\n" }));
    expect(fed).toMatchObject({ exitCode: 0, stdout: "hello\nwörld\n", stderr: "" });
    const unfed = await readJson(await exec({ cmd: ["wc", "-c"], timeoutSeconds: 5 }));
    expect(unfed).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^\s*0\n$/), timedOut: false });
  });

  it("runs the command with the environment, working directory and user asked for", async () => {
    const body = await readJson(
      await exec({
        cmd: ["sh", "-c", 'echo "$GREETING"; pwd; id -u; id -g'],
        env: { GREETING: "hello there" },
        workingDir: "/etc",
        user: "1234:5678",
      }),
    );
    expect(body).toMatchObject({ exitCode: 0, stdout: "hello there\n/etc\n1234\n5678\n", stderr: "" });
  });

  it("reports a command that cannot start with Docker's exit code and message", async () => {
    const body = await readJson(await exec({ cmd: ["id"], user: "nosuchuser" }));
    expect(body.exitCode).toBe(126);
    expect(body.stdout).toContain("unable to find user nosuchuser");
    const missing = await readJson(await exec({ cmd: ["no-such-program"] }));
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain("no-such-program");
  });

  it("kills a command that outlives its timeout, with everything it started, and says it timed out", async () => {
    const started = Date.now();
    const body = await readJson(
      await exec({ cmd: ["sh", "-c", "sleep 30 & sleep 31; echo never"], timeoutSeconds: 1 }),
    );
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(body).toMatchObject({ exitCode: null, timedOut: true, stdout: "" });
    expect(body.durationMs).toBeGreaterThanOrEqual(1_000);
    const left = await processes(running);
    expect(left.filter((row) => /sleep 3[01]/.test(row))).toEqual([]);
  });

  it("kills the command of a client that goes away", async () => {
    const client = new AbortController();
    const pending = app.request(`/v1/hosts/rig1/containers/${running}/exec`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ cmd: ["sleep", "40"], timeoutSeconds: 60 }),
      signal: client.signal,
    });
    await expect.poll(() => processes(running)).toContainEqual(expect.stringContaining("sleep 40"));
    client.abort();
    await pending.catch(() => {});
    await expect
      .poll(() => processes(running), { timeout: 5_000 })
      .not.toContainEqual(expect.stringContaining("sleep 40"));
  });

  it("leaves no command behind whenever its client goes away, even before the command is under way", async () => {
    const delays = [0, 2, 5, 10, 20, 40, 80];
    await Promise.all(
      delays.map(async (delay) => {
        const client = new AbortController();
        const pending = app.request(`/v1/hosts/rig1/containers/${running}/exec`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ cmd: ["sleep", `${500 + delay}`], timeoutSeconds: 60 }),
          signal: client.signal,
        });
        setTimeout(() => client.abort(), delay);
        await pending.catch(() => {});
      }),
    );
    await expect
      .poll(() => processes(running), { timeout: 5_000 })
      .not.toContainEqual(expect.stringMatching(/sleep 5\d\d/));
  });

  it("keeps the beginning and the end of 10 MB of output within the limit, and says it cut", async () => {
    const body = await readJson(
      await exec({
        cmd: ["sh", "-c", "echo START; yes 0123456789 | head -c 10000000; echo; echo END"],
        outputLimitBytes: 64 * 1024,
      }),
    );
    expect(body).toMatchObject({ exitCode: 0, truncated: true, stdoutBytes: 6 + 10_000_000 + 1 + 4 });
    expect(body.stdout.length).toBeLessThan(33 * 1024);
    expect(body.stdout.startsWith("START\n0123456789")).toBe(true);
    expect(body.stdout.endsWith("\nEND\n")).toBe(true);
    expect(body.stdout).toContain("portcall cut");
  });

  it("streams output events as they come, then an exit event, as NDJSON", async () => {
    const res = await exec(
      { cmd: ["sh", "-c", "echo one; sleep 0.5; echo two >&2; exit 3"] },
      { accept: NDJSON },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(NDJSON);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first.split("\n")[0] ?? "")).toEqual({
      type: "output",
      stream: "stdout",
      data: "one\n",
    });
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    const events = ndjson(first + rest);
    expect(events.slice(1, -1)).toEqual([{ type: "output", stream: "stderr", data: "two\n" }]);
    expect(events.at(-1)).toEqual({
      type: "exit",
      exitCode: 3,
      timedOut: false,
      durationMs: expect.any(Number),
    });
    expect(events.at(-1).durationMs).toBeGreaterThanOrEqual(500);
  });

  it("ends a streamed command that outlives its timeout with an exit event saying so, as SSE", async () => {
    const res = await exec(
      { cmd: ["sh", "-c", "echo waiting; sleep 30"], timeoutSeconds: 1 },
      { accept: "text/event-stream" },
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text).toContain('data: {"type":"output","stream":"stdout","data":"waiting\\n"}');
    expect(text).toMatch(/event: exit\ndata: \{"type":"exit","exitCode":null,"timedOut":true,/);
    expect((await processes(running)).filter((row) => row.includes("sleep 30"))).toEqual([]);
  });

  it("refuses privileged: true, and any other field it does not know, with 400", async () => {
    const res = await exec({ cmd: ["id"], privileged: true });
    expect(res.status).toBe(400);
    const problem = await readJson(res);
    expect(problem.code).toBe("invalid_request");
    expect(JSON.stringify(problem.errors)).toContain("privileged");
  });

  it("refuses stdin over 64 KiB and an empty command with 400", async () => {
    expect((await exec({ cmd: ["cat"], stdin: "x".repeat(64 * 1024 + 1) })).status).toBe(400);
    expect((await exec({ cmd: [] })).status).toBe(400);
  });

  it("refuses exec into a container with more power over its host than the token's policy grants, with 403", async () => {
    const docker = rigDocker("rig1");
    const powerful = async (hostConfig: Record<string, unknown>) => {
      const created = await docker.createContainer({
        Image: rig().images.busybox,
        Cmd: ["sleep", "3600"],
        Labels: { [label.key]: label.value },
        HostConfig: hostConfig,
      });
      // Not started: the policy is weighed on the container's settings first, and this sandbox's runc may not
      // hand out every capability a privileged container asks for.
      return created.id;
    };
    // A volume that is a bind of the host's /etc in disguise.
    const disguised = `etc-${label.value.slice(0, 8)}`;
    await docker.createVolume({
      Name: disguised,
      Driver: "local",
      DriverOpts: { type: "none", o: "bind", device: "/etc" },
      Labels: { [label.key]: label.value },
    });
    const targets = {
      privileged: await powerful({ Privileged: true }),
      "/etc": await powerful({ Binds: ["/etc:/host-etc:ro"] }),
      "/var/run": await powerful({ Binds: ["/var/run:/host-run"] }),
      capabilities: await powerful({ CapAdd: ["SYS_ADMIN"] }),
      "host devices": await powerful({ DeviceCgroupRules: ["b *:* rwm"] }),
      "security options": await powerful({ SecurityOpt: ["seccomp=unconfined"] }),
      "kernel settings Docker guards": await powerful({ MaskedPaths: [], ReadonlyPaths: [] }),
      "uts namespace of host": await powerful({ UTSMode: "host" }),
      "ipc namespace of container:": await powerful({ IpcMode: `container:${running}` }),
      "pid namespace of host": await powerful({ PidMode: "host" }),
      "network of container:": await powerful({ NetworkMode: `container:${running}` }),
      "sets kernel settings (net.ipv4.ping_group_range": await powerful({
        Sysctls: { "net.ipv4.ping_group_range": "0 0" },
      }),
      "bind mount of host path /etc": await powerful({
        Mounts: [{ Type: "volume", Source: disguised, Target: "/x" }],
      }),
    };
    for (const [why, id] of Object.entries(targets)) {
      const res = await exec({ cmd: ["id"] }, { id });
      expect(res.status, why).toBe(403);
      const problem = await readJson(res);
      expect(problem.code).toBe("policy_denied");
      expect(problem.detail).toContain(why);
    }
  });

  it("runs a command in a container with a bind mount the token's policy grants", async () => {
    const docker = rigDocker("rig1");
    const created = await docker.createContainer({
      Image: rig().images.busybox,
      Cmd: ["sleep", "3600"],
      Labels: { [label.key]: label.value },
      HostConfig: { Binds: ["/tmp:/host-tmp:ro"] },
    });
    await created.start();
    const { token } = await app.services.tokens.mint("cli", {
      name: "binds",
      scopes: ["containers:exec"],
      hosts: ["rig1"],
      policy: { binds: [{ path: "/tmp" }] },
      ttlSeconds: 600,
    });
    const granted = await app.request(`/v1/hosts/rig1/containers/${created.id}/exec`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ cmd: ["echo", "granted"] }),
    });
    expect(granted.status).toBe(200);
    expect((await readJson(granted)).stdout).toBe("granted\n");
    // The admin token holds no binds grant: the same container is out of its reach.
    expect((await exec({ cmd: ["true"] }, { id: created.id })).status).toBe(403);
  });

  it("answers 409 conflict for a container that is not running", async () => {
    const stopped = await container(["true"], false);
    const res = await exec({ cmd: ["true"] }, { id: stopped });
    expect(res.status).toBe(409);
    const problem = await readJson(res);
    expect(problem.code).toBe("conflict");
    expect(problem.detail).toContain("is not running");
  });

  it("answers 404 container_not_found for a container that does not exist", async () => {
    const res = await exec({ cmd: ["true"] }, { id: "no-such-container-exec" });
    expect(res.status).toBe(404);
    expect((await readJson(res)).code).toBe("container_not_found");
    const streamed = await exec({ cmd: ["true"] }, { id: "no-such-container-exec", accept: NDJSON });
    expect(streamed.status).toBe(404);
  });

  it("answers 429 with Retry-After while the token's exec calls are all in use, and frees the slot after", async () => {
    const limited = await testApp({ hosts: [rigHost("rig1")], limits: { exec: 1 } });
    const busy = exec({ cmd: ["sleep", "1"] }, { on: limited });
    await expect.poll(() => processes(running)).toContainEqual(expect.stringContaining("sleep 1"));
    const refused = await exec({ cmd: ["true"] }, { on: limited });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await readJson(refused)).code).toBe("too_many_requests");
    expect((await busy).status).toBe(200);
    const streamed = await exec({ cmd: ["true"] }, { on: limited, accept: NDJSON });
    expect(ndjson(await streamed.text()).at(-1)).toMatchObject({ type: "exit", exitCode: 0 });
    expect((await exec({ cmd: ["true"] }, { on: limited })).status).toBe(200);
  });

  it("runs the command as given in a container without /bin/sh, where a timeout ends the call but cannot kill", async () => {
    const shellless = await container(["/bin/busybox", "sleep", "3600"]);
    const removed = await readJson(await exec({ cmd: ["/bin/busybox", "rm", "/bin/sh"] }, { id: shellless }));
    expect(removed.exitCode).toBe(0);
    const echoed = await readJson(await exec({ cmd: ["echo", "no shell needed"] }, { id: shellless }));
    expect(echoed).toMatchObject({ exitCode: 0, stdout: "no shell needed\n" });
    const started = Date.now();
    const slept = await readJson(await exec({ cmd: ["sleep", "32"], timeoutSeconds: 1 }, { id: shellless }));
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(slept).toMatchObject({ exitCode: null, timedOut: true });
    expect(await processes(shellless)).toContainEqual(expect.stringContaining("sleep 32"));
  });
});
