import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { RIG_SCRIPT } from "../../support/rig-state.js";

const run = promisify(execFile);

/**
 * The soak suite's own dockerd, which it may kill and restart: the rig's daemons are shared with every other
 * test file. scripts/rig.sh makes it like theirs, but in a state directory of its own, with its own bridge
 * prefix and subnets, no TLS, SSH or Swarm, so that nothing the shared rig does (`up`, `down`, state.json)
 * sees it. Its pulls come from the shared rig's registries.
 */
export const SOAK_RIG_DIR = "/tmp/portcall-soak-rig";
export const SOAK_DAEMON = "soak1";

/** The shared rig's registry addresses; their ports matter only to a daemon being started. */
export type Registries = { registry: { address: string }; authRegistry: { address: string } };

function rigEnv(registries: Registries): Record<string, string> {
  const port = (address: string) => address.slice(address.lastIndexOf(":") + 1);
  return {
    ...(process.env as Record<string, string>),
    PORTCALL_RIG_DIR: SOAK_RIG_DIR,
    PORTCALL_RIG_DAEMONS: SOAK_DAEMON,
    PORTCALL_RIG_BRIDGE_PREFIX: "pcsoak",
    PORTCALL_RIG_NET_PREFIX: "10.214",
    // Engine names that are not among its daemons: it gets neither listener.
    PORTCALL_RIG_TLS_DAEMON: "none",
    PORTCALL_RIG_SSH_DAEMON: "none",
    PORTCALL_RIG_SWARM_DAEMON: "",
    PORTCALL_RIG_REGISTRY_PORT: port(registries.registry.address),
    PORTCALL_RIG_AUTH_REGISTRY_PORT: port(registries.authRegistry.address),
  };
}

/** scripts/rig.sh on the soak rig's directory. */
export async function soakRig(registries: Registries, ...args: string[]): Promise<void> {
  try {
    await run("bash", [RIG_SCRIPT, ...args], { env: rigEnv(registries), maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr = "" } = error as { stderr?: string };
    const tail = stderr.split("\n").slice(-20).join("\n");
    throw new Error(`scripts/rig.sh ${args.join(" ")} (${SOAK_RIG_DIR}) failed:\n${tail}`);
  }
}

/** Stops the soak daemon and removes everything it made: its directory, bridge and mounts. */
export async function removeSoakDaemon(): Promise<void> {
  if (!existsSync(join(SOAK_RIG_DIR, ".portcall-rig"))) return;
  const none = { address: "127.0.0.1:0" };
  await soakRig({ registry: none, authRegistry: none }, "down");
}
