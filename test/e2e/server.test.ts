import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readJson } from "../support/http.js";
import {
  describeWithRig,
  dockerCli,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  testLabel,
} from "../support/rig.js";
import { ROOT, startServer } from "../support/server.js";

describeWithRig("the server process", () => {
  const label = testLabel();
  let server: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    dataDir = await mkdtemp(join(tmpdir(), "portcall-e2e-"));
    server = await startServer({
      DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "",
      PORTCALL_DATA_DIR: dataDir,
    });
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await removeLabelled(rigDocker("rig1"), label.filter);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("registers DOCKER_HOST as `local` and lists a container that `docker run -d` started", async () => {
    const id = await dockerCli(
      "rig1",
      "run",
      "-d",
      "--label",
      label.filter,
      rig().images.busybox,
      "sleep",
      "300",
    );
    const res = await server.api(`/v1/hosts/local/containers?label=${label.filter}`);
    expect(res.status).toBe(200);
    const { items } = await readJson(res);
    expect(items).toEqual([expect.objectContaining({ id, state: "running", image: rig().images.busybox })]);
  });

  it("is ready once the store and the local host were probed", async () => {
    const res = await server.api(`/readyz`);
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.store.ok).toBe(true);
    expect(body.hosts).toEqual({ total: 1, reachable: 1, unreachable: 0, unknown: 0 });
    expect(JSON.stringify(body)).not.toContain("local");
  });

  it("exits 0 on SIGTERM", async () => {
    server.child.kill("SIGTERM");
    const [code] = await once(server.child, "exit");
    expect(code).toBe(0);
    expect(server.log.join("\n")).toContain('"message":"stopped"');
  });
});

describeWithRig("shutting down", () => {
  it("finishes a request still waiting on its Docker host before exiting 0 on SIGTERM", async () => {
    const rig2 = rig().daemons.rig2;
    if (!rig2) throw new Error("the rig has no rig2");
    const dataDir = await mkdtemp(join(tmpdir(), "portcall-e2e-"));
    const server = await startServer({ DOCKER_HOST: rig2.dockerHost, PORTCALL_DATA_DIR: dataDir });
    // Pausing the real daemon keeps the request in flight for as long as the test needs.
    const dockerd = Number((await readFile(rig2.pidfile, "utf8")).trim());
    try {
      await server.api(`/v1/hosts/local/containers`);
      process.kill(dockerd, "SIGSTOP");
      const inFlight = server.api(`/v1/hosts/local/containers`);
      await new Promise((r) => setTimeout(r, 200));
      const exited = once(server.child, "exit");
      server.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      expect(server.child.exitCode).toBeNull();
      process.kill(dockerd, "SIGCONT");
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect((await readJson(res)).items).toEqual(expect.any(Array));
      expect((await exited)[0]).toBe(0);
    } finally {
      process.kill(dockerd, "SIGCONT");
      server.child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

it("refuses to start on a bad setting, with a message naming it", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORTCALL_PORT: "http" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const [code] = await once(child, "exit");
  expect(code).toBe(1);
  expect(stderr).toContain('PORTCALL_PORT="http": must be a number');
});
