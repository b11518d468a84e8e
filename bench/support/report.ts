// The results of a run: JSON with every figure, and the Markdown table the README shows.
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../test/support/server.js";
import type { Row, Side, Target } from "./runner.js";
import type { Budget } from "./setup.js";

export type Run = {
  quick: boolean;
  entry: string;
  budget: Budget;
  seconds: number;
  /** The machine's one-minute load average at the start and at the end: how much else ran beside. */
  load: [number, number];
  rows: Row[];
};

export const RESULTS = join(ROOT, "bench", "results");

const DIGITS: Record<string, number> = { "req/s": 0, "MiB/s": 1, MiB: 1 };

function number(value: number | undefined, unit: string): string {
  if (value === undefined || Number.isNaN(value)) return "—";
  const digits = DIGITS[unit] ?? (Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0);
  const text = value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${text} ${unit}`;
}

function side(figure: Side | undefined): string {
  if (!figure) return "—";
  const latency = figure.latency;
  if (!latency) return `${figure.label}: ${number(figure.value, figure.unit)}`;
  // A side whose figure is a time is its median already.
  const main =
    figure.unit === "ms"
      ? `${number(latency.median, "ms")} median`
      : `${number(figure.value, figure.unit)}, ${number(latency.median, "ms")} median`;
  return `${figure.label}: ${main}, ${number(latency.p99, "ms")} p99`;
}

const targetText = (target: Target | undefined, unit = "") =>
  target ? `${target.at === "most" ? "≤" : "≥"} ${target.value}${unit ? ` ${unit}` : ""}` : "—";

function cells(row: Row): string[] {
  const ours = row.value ? number(row.value.value, row.value.unit) : side(row.portcall);
  const ratio = row.ratio ? `${row.ratio.value.toFixed(2)} (${row.ratio.of})` : "—";
  const unit = row.ratio ? "" : row.value?.unit;
  const verdict = row.met === undefined ? "—" : row.met ? "yes" : "no";
  return [row.scenario, ours, side(row.direct), ratio, targetText(row.target, unit), verdict, row.note ?? ""];
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    "| scenario | portcall | direct | ratio | target | met | note |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${cells(row).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

function describeMachine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node.js ${process.version}`;
}

/** Writes `latest.json`/`latest.md` for a full run, `quick.json`/`quick.md` (not committed) for a quick one. */
export async function writeReport(run: Run): Promise<{ json: string; markdown: string; table: string }> {
  const name = run.quick ? "quick" : "latest";
  const json = join(RESULTS, `${name}.json`);
  const markdown = join(RESULTS, `${name}.md`);
  const date = new Date().toISOString();
  const machine = describeMachine();
  await writeFile(
    json,
    `${JSON.stringify({ date, mode: run.quick ? "quick" : "full", machine, ...run }, null, 2)}\n`,
  );
  // The full run's file is committed, and linted like the rest: in the formatter's layout (a quick run's is
  // ignored by git, and so by the formatter).
  if (!run.quick)
    execFileSync(join(ROOT, "node_modules", ".bin", "biome"), ["format", "--write", json], {
      stdio: "ignore",
    });
  const table = markdownTable(run.rows);
  const { rounds, seconds, calls } = run.budget;
  const text = [
    `# portcall bench, ${run.quick ? "quick" : "full"} run`,
    "",
    `${date}; ${machine}; the server from the ${run.entry}; ${Math.round(run.seconds)} s in all; load ` +
      `average ${run.load[0].toFixed(1)} at the start, ${run.load[1].toFixed(1)} at the end.`,
    `Each scenario measures portcall and the direct way in turns: ${plural(rounds, "round")} of ${seconds} s ` +
      `of load each, or ${plural(calls, "one-off call")} each; load from autocannon in a process of its own, on loopback and the ` +
      "daemon's unix socket. The daemon, the server and the load share this machine's CPUs: absolute " +
      "figures are this machine's, the ratios are what carries over. Targets are issue 16's; never asserted.",
    "",
    table,
  ].join("\n");
  await writeFile(markdown, text);
  return { json, markdown, table };
}
