// portcall side by side with the daemon's socket and the docker CLI, on the test rig (npm run rig:up).
//   npm run bench                  the full run (a few minutes) → bench/results/latest.json and latest.md
//   npm run bench -- --quick       seconds, every scenario once (BENCH_QUICK=1 too) → bench/results/quick.*
//   npm run bench -- --only=fleet  the scenarios whose name holds the word, printed and not written
// Reports and never fails on a number: only a scenario that cannot run (a refused call, a crash) fails it.
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ROOT } from "../test/support/server.js";
import { coldStart } from "./scenarios/cold-start.js";
import { events } from "./scenarios/events.js";
import { exec } from "./scenarios/exec.js";
import { fleet } from "./scenarios/fleet.js";
import { fleetDeadHost } from "./scenarios/fleet-dead-host.js";
import { fleetDistinct } from "./scenarios/fleet-distinct.js";
import { fleetMany } from "./scenarios/fleet-many.js";
import { inspect } from "./scenarios/inspect.js";
import { list } from "./scenarios/list.js";
import { logs } from "./scenarios/logs.js";
import { pull } from "./scenarios/pull.js";
import { readPathPostgres } from "./scenarios/read-path-postgres.js";
import { runTrue } from "./scenarios/run-true.js";
import { markdownTable, writeReport } from "./support/report.js";
import type { Row } from "./support/runner.js";
import { type Bench, setUp, tearDown } from "./support/setup.js";

const SCENARIOS: Array<[string, (bench: Bench) => Promise<Row[]>]> = [
  ["container inspect", inspect],
  ["container inspect on PostgreSQL", readPathPostgres],
  ["container list", list],
  ["fleet list", fleet],
  ["fleet list with a dead host", fleetDeadHost],
  ["fleet list over many hosts", fleetMany],
  ["fleet list over distinct daemons", fleetDistinct],
  ["run true", runTrue],
  ["logs as text, NDJSON and SSE", logs],
  ["event delivery", events],
  ["exec true", exec],
  ["image pull", pull],
  ["cold start", coldStart],
];

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
const chosen = only ? SCENARIOS.filter(([name]) => name.includes(only)) : SCENARIOS;
if (chosen.length === 0) throw new Error(`no scenario's name holds "${only}"`);
const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
// A full run measures the code as it is now: the bundle is made afresh (a quick run takes it as it is).
if (!quick) execFileSync(process.execPath, [join(ROOT, "scripts", "bundle.mjs")], { stdio: "inherit" });

const bench = await setUp(quick);
const rows: Row[] = [];
try {
  for (const [name, scenario] of chosen) {
    const before = performance.now();
    rows.push(...(await scenario(bench)));
    console.log(`bench: ${name} (${((performance.now() - before) / 1000).toFixed(1)} s)`);
  }
} finally {
  await tearDown(bench);
}

const seconds = (performance.now() - started) / 1000;
if (only) {
  // Some scenarios only: the results files stay those of a whole run.
  console.log(`\n${markdownTable(rows)}`);
  process.exit(0);
}
const load: [number, number] = [loadAtStart, loadavg()[0] ?? 0];
const report = await writeReport({ quick, entry: bench.entry, budget: bench.budget, seconds, load, rows });
console.log(`\n${report.table}`);
console.log(
  `bench: ${rows.length} rows in ${seconds.toFixed(0)} s, written to ${report.json} and ${report.markdown}`,
);
