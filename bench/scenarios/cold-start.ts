// Cold start and idle memory, measured by bench/cold-start.ts (npm run bench:cold) in processes of its own;
// the suite runs it and reports what it wrote. It rewrites the bundle, so it runs last.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../../test/support/server.js";
import { type Row, single } from "../support/runner.js";
import type { Bench } from "../support/setup.js";

type Median = { median: number };
type ColdStart = {
  runs: number;
  targets: { serverMs: number; serverRssMb: number; functionMs: number };
  bareNodeServer: { startToFirstAnswerMs: Median; idleRssMb: Median };
  server: { startToFirstHealthzMs: Median; idleRssMb: Median };
  function: { initPlusFirstAnswerMs: Median };
};

export const COLD_START_RESULTS = join(ROOT, "bench", "results", "cold-start.json");

export async function coldStart(bench: Bench): Promise<Row[]> {
  // Its results file is the committed one, which a quick run's single sample must not replace.
  if (bench.quick) {
    console.log("bench: cold start is measured in full runs only (or alone: npm run bench:cold)");
    return [];
  }
  await promisify(execFile)(process.execPath, ["--import", "tsx", join(ROOT, "bench", "cold-start.ts")], {
    cwd: ROOT,
  });
  const cold = JSON.parse(await readFile(COLD_START_RESULTS, "utf8")) as ColdStart;
  const bare = cold.bareNodeServer;
  const runs = `median of ${cold.runs}`;
  return [
    single(
      "cold-start-server",
      `server cold start: spawn → first /healthz 200 (${runs})`,
      { value: cold.server.startToFirstHealthzMs.median, unit: "ms" },
      { at: "most", value: cold.targets.serverMs },
      `a bare Node.js HTTP server: ${bare.startToFirstAnswerMs.median} ms`,
    ),
    single(
      "idle-rss",
      "server idle RSS after start",
      { value: cold.server.idleRssMb.median, unit: "MiB" },
      { at: "most", value: cold.targets.serverRssMb },
      `a bare Node.js HTTP server: ${bare.idleRssMb.median} MiB`,
    ),
    single(
      "cold-start-function",
      `function: import + first answer (${runs})`,
      { value: cold.function.initPlusFirstAnswerMs.median, unit: "ms" },
      { at: "most", value: cold.targets.functionMs },
    ),
  ];
}
