import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { RunnerTask, RunnerTestFile } from "vitest";

const run = promisify(execFile);
const PACKAGES_SCRIPT = join(import.meta.dirname, "../../scripts/test-packages.sh");
const SKIP = "PORTCALL_SKIP_INTEGRATION=1 npm test";

/**
 * What the integration tests need that this machine lacks, said in one message with the commands that fix
 * it; undefined when nothing is missing. `missing` is undefined when it cannot be told (no Debian system):
 * the rig then says what it lacks itself, as it starts.
 */
export function prerequisitesMessage(what: {
  root: boolean;
  missing: string[] | undefined;
}): string | undefined {
  const lacks: string[] = [];
  if (!what.root)
    lacks.push("root: the rig creates network bridges and mounts and starts dockerd; run the tests as root");
  if (what.missing?.length) {
    lacks.push(
      `the Debian packages ${what.missing.join(" ")}: install them with ` +
        "`sudo bash scripts/test-packages.sh install` (as .ci/run does, their system services kept stopped)",
    );
  }
  if (lacks.length === 0) return undefined;
  return (
    "npm test runs the integration tests against Docker daemons, registries and a PostgreSQL of its own, " +
    `and this machine lacks what they need:\n${lacks.map((line) => `  - ${line}\n`).join("")}` +
    `To run only the tests that need none of it: ${SKIP} (it says how many it skipped).`
  );
}

/** The packages of scripts/test-packages.sh not installed here; undefined when this is no Debian system. */
async function missingPackages(): Promise<string[] | undefined> {
  try {
    const { stdout } = await run("bash", [PACKAGES_SCRIPT, "missing"]);
    return stdout.split(/\s+/).filter(Boolean);
  } catch (error) {
    if ((error as { code?: unknown }).code === 3) return undefined;
    throw error;
  }
}

/** Fails at once, before anything is started, when the integration tests could not run here. */
export async function checkPrerequisites(): Promise<void> {
  const message = prerequisitesMessage({ root: process.getuid?.() === 0, missing: await missingPackages() });
  if (!message) return;
  const error = new Error(message);
  // The message is the whole story: vitest would print the frames of this helper after it.
  error.stack = `Error: ${message}`;
  throw error;
}

function countSkipped(tasks: RunnerTask[]): number {
  let skipped = 0;
  for (const task of tasks) {
    if (task.type === "suite") skipped += countSkipped(task.tasks);
    else if (task.mode === "skip" || task.result?.state === "skip") skipped += 1;
  }
  return skipped;
}

/** The line an opted-out run ends with: the skipped tests are counted, never silent. */
export function skippedLine(files: RunnerTestFile[]): string {
  const skipped = countSkipped(files);
  return (
    `PORTCALL_SKIP_INTEGRATION=1: ${skipped} test${skipped === 1 ? "" : "s"} skipped, ` +
    "those needing the Docker rig or PostgreSQL among them. Without it, npm test runs them all.\n"
  );
}
