import { execFile } from "node:child_process";
import { readdir, readFile, readlink } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export type ProcessStats = {
  /** Open file descriptors. */
  fds: number;
  rssBytes: number;
  /** Connections of the process to the daemon's socket. */
  daemonConnections: number;
};

/** What a server process holds, read from /proc and, for its daemon connections, from `ss`. */
export async function processStats(pid: number, daemonSocket: string): Promise<ProcessStats> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const inodes = new Set<string>();
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  // The daemon's end of each connection shows the socket's path and, as its peer, the client end's inode.
  const { stdout } = await run("ss", ["-xn"], { maxBuffer: 64 * 1024 * 1024 });
  let daemonConnections = 0;
  for (const line of stdout.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const local = fields.indexOf(daemonSocket);
    if (local !== -1 && inodes.has(fields[local + 3] ?? "")) daemonConnections++;
  }
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return { fds: fds.length, rssBytes: rssKb * 1024, daemonConnections };
}

/** Polls until `ok` holds for the stats (a settle after load), or gives the last reading at the deadline. */
export async function settledStats(
  pid: number,
  daemonSocket: string,
  ok: (stats: ProcessStats) => boolean,
  withinMs: number,
): Promise<ProcessStats> {
  const until = Date.now() + withinMs;
  for (;;) {
    const stats = await processStats(pid, daemonSocket);
    if (ok(stats) || Date.now() > until) return stats;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const MiB = 1024 * 1024;
