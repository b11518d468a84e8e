import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

export const ROOT = resolve(import.meta.dirname, "../..");

export type RunningServer = {
  child: ChildProcess;
  url: string;
  log: string[];
  /** An admin token made with the CLI in the server's data folder. */
  token: string;
  /** fetch against the server, with the admin token unless the request carries its own Authorization. */
  api(path: string, init?: RequestInit): Promise<Response>;
};

const run = promisify(execFile);

/** A `portcall` CLI command with these settings, as an operator runs it; what it printed. */
export async function portcallCli(env: Record<string, string>, ...args: string[]): Promise<string> {
  return (await portcallCliStreams(env, ...args)).stdout;
}

/** The same, with what it wrote to stderr too; a failed command rejects with `code`, `stdout` and `stderr`. */
export function portcallCliStreams(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

/** `portcall token create` against a data folder, as an operator makes the first admin token. */
export async function cliToken(env: Record<string, string>, ...args: string[]): Promise<string> {
  return (await portcallCli(env, "token", "create", ...args)).trim();
}

/** The server from source, as `npm run dev` runs it; `npm start` runs the bundle, `dist/bundle/server.mjs`. */
export const FROM_SOURCE = ["--import", "tsx", "src/main.ts"];

/** Starts the real server process (node with `entry`), on a free port, and resolves its base URL. */
export async function startServer(env: Record<string, string>, entry = FROM_SOURCE): Promise<RunningServer> {
  // Most tests start on an empty folder: the CLI may start it (--init), as the server would.
  const token = await cliToken(env, "--init", "--name", "e2e-admin", "--scope", "admin");
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { ...process.env, PORTCALL_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  child.stderr?.on("data", (chunk) => log.push(String(chunk)));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${log.join("")}`)));
    lines.on("line", (line) => {
      log.push(line);
      let entry: { message?: string; url?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        // A process killed mid-write leaves its last line cut; it is in the log all the same.
        return;
      }
      if (entry.message === "listening" && entry.url) resolveUrl(entry.url);
    });
  });
  const api = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${token}`);
    return fetch(`${url}${path}`, { ...init, headers });
  };
  return { child, url, log, token, api };
}

export type FreshServer = RunningServer & {
  dataDir: string;
  /** SIGTERM, as an operator stops it, resolving once it exited (it drains and closes its store first). */
  stop(): Promise<void>;
  /** Kills it and removes its data folder. */
  discard(): Promise<void>;
};

/** `startServer` over a data folder of its own, made for it. */
export async function startFreshServer(
  env: Record<string, string> = {},
  entry = FROM_SOURCE,
): Promise<FreshServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "portcall-e2e-"));
  const server = await startServer({ PORTCALL_DATA_DIR: dataDir, ...env }, entry);
  return {
    ...server,
    dataDir,
    stop: async () => {
      if (server.child.exitCode !== null) return;
      const exited = once(server.child, "exit");
      server.child.kill("SIGTERM");
      await exited;
    },
    discard: async () => {
      server.child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
