import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { toRun } from "../../runs/run-view.js";
import { RunParamsSchema, RunSchema } from "../../schemas/run.js";
import { runStatus, visibleRun } from "./run-access.js";

export const cancelRunRoute = operation("runs:create", {
  method: "post",
  path: "/v1/runs/{id}/cancel",
  operationId: "cancelRun",
  tags: ["Runs"],
  summary: "Cancel a run",
  description:
    "Stops the run's container: SIGTERM, then SIGKILL once `graceSeconds` have passed. Answers with the run " +
    "once its end is recorded (`status: cancelled`), or 202 if that takes longer. Cancelling a run that " +
    "already ended changes nothing and answers it as it is.",
  request: {
    params: RunParamsSchema,
    query: z.object({
      graceSeconds: z.coerce
        .number()
        .int()
        .min(0)
        .max(300)
        .default(10)
        .openapi({ description: "How long the process has to exit after SIGTERM." }),
    }),
  },
  errors: [...HOST_CALL_ERRORS, "run_not_found"],
  responses: {
    200: jsonResponse(RunSchema, "The run, ended."),
    202: jsonResponse(RunSchema, "The container is being stopped."),
  },
});

export function registerCancelRun(app: App): void {
  app.openapi(cancelRunRoute, async (c) => {
    const row = await visibleRun(c, c.req.valid("param").id);
    const { graceSeconds } = c.req.valid("query");
    const cancelled = await c.get("services").runs.cancel(row, graceSeconds, c.req.raw.signal);
    return c.json(toRun(cancelled), runStatus(cancelled));
  });
}
