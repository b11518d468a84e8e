// What the scenarios run against: the rig's rig1 daemon (never stopped by the tests), a real portcall server
// process over a data folder of its own, the load process, and the docker CLI.
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { RIG_SCRIPT, type RigDaemon, type RigState, rigStateFile } from "../../test/support/rig-state.js";
import { FROM_SOURCE, type FreshServer, ROOT, startFreshServer } from "../../test/support/server.js";
import { LoadGenerator } from "./load.js";

/**
 * How much each scenario measures: rounds of alternation, seconds of load per round (after `warmup` seconds
 * unmeasured), one-off calls per side, and the size of the big log.
 */
export type Budget = { rounds: number; seconds: number; warmup: number; calls: number; logBytes: number };

export const FULL: Budget = { rounds: 3, seconds: 3, warmup: 0.5, calls: 10, logBytes: 64 * 1024 * 1024 };
export const QUICK: Budget = { rounds: 1, seconds: 0.3, warmup: 0.1, calls: 1, logBytes: 1024 * 1024 };

export type Bench = {
  quick: boolean;
  budget: Budget;
  rig: RigState;
  /** Whether the suite brought the rig up, and so takes it down again (unless PORTCALL_RIG_KEEP=1). */
  rigBroughtUp: boolean;
  daemon: RigDaemon;
  /** Straight to the daemon's socket, for arranging containers. */
  docker: Dockerode;
  image: string;
  /** Put on every container the suite makes, so that it removes them all and nothing else. */
  label: { key: string; value: string; filter: string };
  server: FreshServer;
  /** What the server runs: the bundle `npm start` runs, or the source when there is no bundle. */
  entry: "bundle" | "source";
  auth: Record<string, string>;
  load: LoadGenerator;
  /** The docker CLI against the daemon, as a person runs it; resolves its stdout. */
  cli(...args: string[]): Promise<string>;
  /** The docker CLI, counting what it prints instead of keeping it; resolves the byte count. */
  cliBytes(...args: string[]): Promise<number>;
  /** Sleeping containers of the suite, made once and shared. */
  sleepers(count: number): Promise<string[]>;
};

const run = promisify(execFile);
const BUNDLE = join(ROOT, "dist", "bundle", "server.mjs");

/** The rig as `npm test` treats it: used as it is when up, else brought up (as in CI, after the tests). */
async function rigUp(): Promise<{ rig: RigState; broughtUp: boolean }> {
  const broughtUp = !existsSync(rigStateFile());
  if (broughtUp) {
    console.log("bench: the test rig is not up; scripts/rig.sh up");
    await run("bash", [RIG_SCRIPT, "up"], { maxBuffer: 16 * 1024 * 1024 });
  }
  return { rig: JSON.parse(await readFile(rigStateFile(), "utf8")) as RigState, broughtUp };
}

function cliEnv(rig: RigState) {
  // Builds as the rig's own (scripts/rig/daemons.sh): BuildKit would need buildx, which the rig does not have.
  return { ...process.env, DOCKER_CONFIG: join(rig.rigDir, "docker-cli"), DOCKER_BUILDKIT: "0" };
}

export async function setUp(quick: boolean): Promise<Bench> {
  const { rig, broughtUp } = await rigUp();
  const daemon = rig.daemons.rig1;
  if (!daemon) throw new Error("the rig has no daemon rig1");
  const env = cliEnv(rig);
  const cli = async (...args: string[]) =>
    (await run("docker", ["-H", daemon.dockerHost, ...args], { env, maxBuffer: 16 * 1024 * 1024 })).stdout;
  const cliBytes = (...args: string[]) =>
    new Promise<number>((resolve, reject) => {
      const child = spawn("docker", ["-H", daemon.dockerHost, ...args], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let bytes = 0;
      child.stdout.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      child.stderr.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      child.once("error", reject);
      child.once("close", (code) =>
        code === 0 ? resolve(bytes) : reject(new Error(`docker ${args.join(" ")} exited with ${code}`)),
      );
    });

  const image = rig.images.busybox;
  // A real pull from the rig's registry on loopback, only when the daemon lacks the image.
  await cli("image", "inspect", image).catch(() => cli("pull", "--quiet", image));

  const entry = existsSync(BUNDLE) ? "bundle" : "source";
  const server = await startFreshServer(
    { DOCKER_HOST: daemon.dockerHost, PORTCALL_HOST: "127.0.0.1" },
    serverEntry({ entry }),
  );
  const docker = new Dockerode({ socketPath: daemon.socket });
  const value = randomUUID();
  const label = { key: "portcall.bench", value, filter: `portcall.bench=${value}` };
  const made: string[] = [];
  const sleepers = async (count: number) => {
    while (made.length < count) {
      const container = await docker.createContainer({
        Image: image,
        Cmd: ["sleep", "3600"],
        Labels: { [label.key]: label.value },
        HostConfig: { NetworkMode: "none" },
      });
      await container.start();
      made.push(container.id);
    }
    return made.slice(0, count);
  };
  return {
    quick,
    budget: quick ? QUICK : FULL,
    rig,
    rigBroughtUp: broughtUp,
    daemon,
    docker,
    image,
    label,
    server,
    entry,
    auth: { Authorization: `Bearer ${server.token}` },
    load: new LoadGenerator(),
    cli,
    cliBytes,
    sleepers,
  };
}

/** How a server of the bench is started: the bundle when there is one, else the source. */
export const serverEntry = (bench: Pick<Bench, "entry">): string[] =>
  bench.entry === "bundle" ? [BUNDLE] : FROM_SOURCE;

/** Everything the suite started or made: its containers, the server and its data folder, the load process, the rig. */
export async function tearDown(bench: Bench): Promise<void> {
  bench.load.close();
  await bench.server.discard();
  const containers = await bench.docker.listContainers({
    all: true,
    filters: { label: [bench.label.filter] },
  });
  await Promise.all(containers.map((c) => bench.docker.getContainer(c.Id).remove({ force: true })));
  if (bench.rigBroughtUp && process.env.PORTCALL_RIG_KEEP !== "1") await run("bash", [RIG_SCRIPT, "down"]);
}

/** A call to portcall that must succeed; the scenario is broken otherwise, whatever its numbers. */
export async function api(bench: Bench, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await bench.server.api(path, init);
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** The server's resident memory now, in MiB. */
export async function serverRssMb(bench: Bench): Promise<number> {
  const status = await readFile(`/proc/${bench.server.child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}
