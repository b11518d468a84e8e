import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { startPostgresCluster } from "./postgres-cluster.js";
import { checkPrerequisites, skippedLine } from "./prerequisites.js";
import { RIG_SCRIPT, type RigState, rigStateFile } from "./rig-state.js";

declare module "vitest" {
  export interface ProvidedContext {
    rig: RigState | null;
  }
}

const run = promisify(execFile);

async function rigCommand(...args: string[]): Promise<void> {
  try {
    await run("bash", [RIG_SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-30).join("\n");
    throw new Error(
      `The Docker test rig could not ${args[0]} (scripts/rig.sh ${args.join(" ")}).\n` +
        "It needs root and the Debian packages that `bash scripts/rig.sh packages` lists (bash .ci/run installs " +
        "them). To run only the tests that need no daemon: PORTCALL_SKIP_INTEGRATION=1 npm test\n" +
        tail,
    );
  }
}

/** Starts the rig once for the whole run, and stops it afterwards unless it was already up before. */
export default async function setup(project: TestProject) {
  if (process.env.PORTCALL_SKIP_INTEGRATION === "1") {
    if (process.env.CI)
      throw new Error("PORTCALL_SKIP_INTEGRATION is not allowed in CI: integration tests must run.");
    project.provide("rig", null);
    project.provide("postgres", null);
    return () => {
      process.stderr.write(skippedLine(project.vitest.state.getFiles()));
    };
  }
  // Before anything starts: a machine without root or the packages hears at once what it lacks, never a
  // suite that passes with half of it skipped.
  await checkPrerequisites();
  // A cluster of this run's own, stopped at its end whatever PORTCALL_RIG_KEEP says.
  const postgres = await startPostgresCluster();
  project.provide("postgres", postgres.url);
  const wasUp = existsSync(rigStateFile());
  await rigCommand("up").catch(async (error: unknown) => {
    await postgres.stop();
    throw error;
  });
  project.provide("rig", JSON.parse(readFileSync(rigStateFile(), "utf8")) as RigState);
  return async () => {
    await postgres.stop();
    if (!wasUp && process.env.PORTCALL_RIG_KEEP !== "1") await rigCommand("down");
  };
}
