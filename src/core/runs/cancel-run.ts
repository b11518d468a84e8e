import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { toRun } from "../../runs/run-view.js";
import { RunParamsSchema, RunSchema } from "../../schemas/run.js";
import { CancelRunQuerySchema } from "../../schemas/run-query.js";
import { defineOperation } from "../operation.js";
import { runAudit, runStatus, visibleRun } from "./run-access.js";

export const cancelRun = defineOperation({
  name: "cancelRun",
  scope: "runs:create",
  tags: ["Runs"],
  summary: "Cancel a run",
  description:
    "Stops the run's container: SIGTERM, then SIGKILL once `graceSeconds` have passed. Answers with the run " +
    "once its end is recorded (`status: cancelled`), or 202 if that takes longer. Cancelling a run that " +
    "already ended changes nothing and answers it as it is.",
  input: RunParamsSchema.extend(CancelRunQuerySchema.shape),
  output: RunSchema,
  errors: [...HOST_CALL_ERRORS, "run_not_found", "internal_error"],
  audit: runAudit,
  http: {
    method: "post",
    path: "/v1/runs/{id}/cancel",
    responses: { 200: "The run, ended.", 202: "The container is being stopped." },
    status: runStatus,
  },
  async run(ctx, { id, graceSeconds }) {
    const row = await visibleRun(ctx, id);
    return toRun(await ctx.services.runs.cancel(row, graceSeconds, ctx.signal));
  },
});
