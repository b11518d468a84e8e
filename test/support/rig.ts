import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { describe, inject } from "vitest";
import type { HostCreate } from "../../src/schemas/host.js";
import { RIG_SCRIPT, type RigState } from "./rig-state.js";

const run = promisify(execFile);

/** `describe` for tests that need the rig's real daemons; skipped only when PORTCALL_SKIP_INTEGRATION=1 (never in CI). */
export const describeWithRig = describe.skipIf(inject("rig") === null);

export function rig(): RigState {
  const state = inject("rig");
  if (!state) throw new Error("the Docker test rig is not running");
  return state;
}

function daemon(name: string) {
  const found = rig().daemons[name];
  if (!found) throw new Error(`the rig has no daemon "${name}"`);
  return found;
}

/** A dockerode client straight to a rig daemon, for arranging test state behind portcall's back. */
export function rigDocker(name: string): Dockerode {
  return new Dockerode({ socketPath: daemon(name).socket });
}

/** Registration of a rig daemon over its unix socket, as a test app's host. */
export function rigHost(name: string, id = name): HostCreate {
  return { id, url: daemon(name).dockerHost };
}

/** Runs the real docker CLI against a rig daemon, as a person would. */
export async function dockerCli(name: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("docker", ["-H", daemon(name).dockerHost, ...args], {
    env: { ...process.env, DOCKER_CONFIG: `${rig().rigDir}/docker-cli` },
  });
  return stdout.trim();
}

/**
 * A named volume of the `local` driver that is in truth a bind of `hostPath` on the daemon's machine: what an
 * attacker makes to slip a host path past a check of bind mounts.
 */
export function bindBackedVolume(name: string, volume: string, hostPath: string): Promise<string> {
  return dockerCli(
    name,
    "volume",
    "create",
    "-o",
    "type=none",
    "-o",
    "o=bind",
    "-o",
    `device=${hostPath}`,
    volume,
  );
}

/** Removes Swarm services from a rig manager, those already gone included: a test's cleanup. */
export async function removeServices(name: string, services: string[]): Promise<void> {
  const docker = rigDocker(name);
  await Promise.all(
    services.map((service) =>
      docker
        .getService(service)
        .remove()
        .catch(() => {}),
    ),
  );
}

export async function rigCommand(...args: string[]): Promise<void> {
  await run("bash", [RIG_SCRIPT, ...args]);
}

/** Pulls an image onto a daemon (a real pull from the rig registry) unless it is there already. */
export async function ensureImage(docker: Dockerode, ref: string): Promise<void> {
  const present = await docker
    .getImage(ref)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) return;
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error ?? events.find((event) => event.error);
      if (failed) reject(new Error(`pull of ${ref} failed: ${JSON.stringify(failed)}`));
      else resolve();
    });
  });
}

/** A label unique to one test file, so its containers can be found and removed without touching others. */
export function testLabel(): { key: string; value: string; filter: string } {
  const value = randomUUID();
  return { key: "portcall.test", value, filter: `portcall.test=${value}` };
}

export async function removeLabelled(docker: Dockerode, filter: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [filter] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

/**
 * Runs `work` while no other test file stops, pauses or restarts the same daemon: files run in parallel,
 * and a test that takes a daemon down must not pull it from under another one. The lock is a directory,
 * since mkdir is atomic; the rig's teardown removes any left behind.
 */
export async function withDaemonLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  const lock = join(rig().rigDir, `test-lock-${name}`);
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
