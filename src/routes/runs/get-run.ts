import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { toRun } from "../../runs/run-view.js";
import { RunParamsSchema, RunSchema } from "../../schemas/run.js";
import { visibleRun } from "./run-access.js";

export const getRunRoute = operation("runs:read", {
  method: "get",
  path: "/v1/runs/{id}",
  operationId: "getRun",
  tags: ["Runs"],
  summary: "A run, as it is now",
  request: { params: RunParamsSchema },
  errors: ["invalid_request", "run_not_found"],
  responses: { 200: jsonResponse(RunSchema, "The run.") },
});

export function registerGetRun(app: App): void {
  app.openapi(getRunRoute, async (c) => c.json(toRun(await visibleRun(c, c.req.valid("param").id)), 200));
}
