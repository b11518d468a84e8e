import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS } from "../../openapi/responses.js";
import { RunParamsSchema } from "../../schemas/run.js";
import { LOGS_RESPONSE, LogQuerySchema, logsResponse } from "../containers/logs-response.js";
import { visibleRun } from "./run-access.js";

export const runLogsRoute = operation("runs:read", {
  method: "get",
  path: "/v1/runs/{id}/logs",
  operationId: "getRunLogs",
  tags: ["Runs"],
  summary: "A run's logs, as they come",
  description:
    "The log stream of the run's container, as GET /v1/hosts/{host}/containers/{id}/logs gives it (`follow=true` " +
    "to watch it live). Once the container was removed after the run, this is 409 `conflict`: the kept output " +
    "is in the run itself.",
  request: { params: RunParamsSchema, query: LogQuerySchema },
  errors: [...HOST_CALL_ERRORS, "run_not_found", "container_not_found", "conflict", "too_many_requests"],
  responses: { 200: LOGS_RESPONSE },
});

export function registerRunLogs(app: App): void {
  app.openapi(runLogsRoute, async (c) => {
    const row = await visibleRun(c, c.req.valid("param").id);
    if (row.removed) {
      throw new ApiError(
        "conflict",
        `The container of run "${row.id}" was removed when the run ended; its kept output is in GET /v1/runs/${row.id}.`,
      );
    }
    const host = await c.get("services").hosts.get(row.host);
    return logsResponse(c, host, row.container_id, c.req.valid("query"));
  });
}
