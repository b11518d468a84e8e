import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Dockerode from "dockerode";
import { ensureImage, rig } from "../../support/rig.js";
import { SOAK_DAEMON, SOAK_RIG_DIR, soakRig } from "./soak-rig.js";

export type SoakDaemon = {
  socket: string;
  dockerHost: string;
  docker: Dockerode;
  /** SIGKILL, as a crash or the OOM killer ends it; then the rig clears what it left (containerd, shims, containers). */
  kill(): Promise<void>;
  start(): Promise<void>;
};

/**
 * Starts the soak daemon (soak-rig.ts), or finds it running from an earlier file of the run, with the rig's
 * busybox image on it; the suite's global teardown removes it.
 */
export async function startSoakDaemon(): Promise<SoakDaemon> {
  // `start` works in a directory marked as a rig's; `up` would also start registries and listeners.
  await mkdir(SOAK_RIG_DIR, { recursive: true });
  await writeFile(join(SOAK_RIG_DIR, ".portcall-rig"), "");
  await soakRig(rig(), "start", SOAK_DAEMON);
  const socket = join(SOAK_RIG_DIR, SOAK_DAEMON, "docker.sock");
  const docker = new Dockerode({ socketPath: socket });
  await ensureImage(docker, rig().images.busybox);
  return {
    socket,
    dockerHost: `unix://${socket}`,
    docker,
    kill: async () => {
      const pid = Number((await readFile(join(SOAK_RIG_DIR, SOAK_DAEMON, "docker.pid"), "utf8")).trim());
      process.kill(pid, "SIGKILL");
      await soakRig(rig(), "stop", SOAK_DAEMON);
    },
    // After a SIGKILL, dockerd's fresh containerd can miss dockerd's first wait for it; a second start finds it.
    start: () => soakRig(rig(), "start", SOAK_DAEMON).catch(() => soakRig(rig(), "start", SOAK_DAEMON)),
  };
}
