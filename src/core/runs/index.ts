import type { AnyOperation } from "../operation.js";
import { cancelRun } from "./cancel-run.js";
import { createRun } from "./create-run.js";
import { getRun } from "./get-run.js";
import { getRunLogs } from "./get-run-logs.js";
import { listRuns } from "./list-runs.js";
import { waitRun } from "./wait-run.js";

/** The runs operations, in the order the API document lists them. */
export const RUNS: AnyOperation[] = [createRun, listRuns, getRun, waitRun, cancelRun, getRunLogs];
