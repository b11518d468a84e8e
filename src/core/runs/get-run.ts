import { toRun } from "../../runs/run-view.js";
import { RunParamsSchema, RunSchema } from "../../schemas/run.js";
import { defineOperation } from "../operation.js";
import { runAudit, visibleRun } from "./run-access.js";

export const getRun = defineOperation({
  name: "getRun",
  scope: "runs:read",
  tags: ["Runs"],
  summary: "A run, as it is now",
  input: RunParamsSchema,
  output: RunSchema,
  errors: ["invalid_request", "run_not_found", "internal_error"],
  audit: runAudit,
  http: { method: "get", path: "/v1/runs/{id}", responses: { 200: "The run." } },
  // A run whose container ended while no instance watched it has its end recorded by this read.
  run: async (ctx, { id }) => toRun(await ctx.services.runs.current(await visibleRun(ctx, id))),
});
