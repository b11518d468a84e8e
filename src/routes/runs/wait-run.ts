import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { toRun } from "../../runs/run-view.js";
import { RunParamsSchema, RunSchema } from "../../schemas/run.js";
import { runStatus, visibleRun } from "./run-access.js";

export const waitRunRoute = operation("runs:read", {
  method: "get",
  path: "/v1/runs/{id}/wait",
  operationId: "waitRun",
  tags: ["Runs"],
  summary: "Wait for a run's end (long-poll)",
  description:
    "Answers as soon as the run ends (200, with its exit code and output), or after `timeoutSeconds` with the " +
    "run still going (202): call it again to go on waiting. Leaving early costs nothing.",
  request: {
    params: RunParamsSchema,
    query: z.object({
      timeoutSeconds: z.coerce
        .number()
        .int()
        .min(0)
        .max(60)
        .default(30)
        .openapi({ description: "How long to wait at most, up to 60 seconds." }),
    }),
  },
  errors: ["invalid_request", "run_not_found"],
  responses: {
    200: jsonResponse(RunSchema, "The run ended."),
    202: jsonResponse(RunSchema, "The run still goes on."),
  },
});

export function registerWaitRun(app: App): void {
  app.openapi(waitRunRoute, async (c) => {
    const row = await visibleRun(c, c.req.valid("param").id);
    const waitMs = c.req.valid("query").timeoutSeconds * 1000;
    const settled = await c.get("services").runs.settle(row.id, waitMs, c.req.raw.signal);
    return c.json(toRun(settled), runStatus(settled));
  });
}
