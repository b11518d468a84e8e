import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = resolve(import.meta.dirname, "../..");

export type RunningServer = { child: ChildProcess; url: string; log: string[] };

/** Starts the real server process the way `npm start` does, on a free port, and resolves its base URL. */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
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
      const entry = JSON.parse(line) as { message: string; url?: string };
      if (entry.message === "listening" && entry.url) resolveUrl(entry.url);
    });
  });
  return { child, url, log };
}
