import { toRun } from "../../runs/run-view.js";
import { RunParamsSchema, RunSchema } from "../../schemas/run.js";
import { WaitRunQuerySchema } from "../../schemas/run-query.js";
import { defineOperation } from "../operation.js";
import { runAudit, runStatus, visibleRun } from "./run-access.js";

export const waitRun = defineOperation({
  name: "waitRun",
  scope: "runs:read",
  tags: ["Runs"],
  summary: "Wait for a run's end (long-poll)",
  description:
    "Answers as soon as the run ends (200, with its exit code and output), or after `timeoutSeconds` with the " +
    "run still going (202): call it again to go on waiting. Leaving early costs nothing.",
  input: RunParamsSchema.extend(WaitRunQuerySchema.shape),
  output: RunSchema,
  errors: ["invalid_request", "run_not_found", "internal_error"],
  audit: runAudit,
  http: {
    method: "get",
    path: "/v1/runs/{id}/wait",
    responses: { 200: "The run ended.", 202: "The run still goes on." },
    status: runStatus,
  },
  async run(ctx, { id, timeoutSeconds }) {
    const row = await visibleRun(ctx, id);
    return toRun(await ctx.services.runs.settle(row.id, timeoutSeconds * 1000, ctx.signal));
  },
});
