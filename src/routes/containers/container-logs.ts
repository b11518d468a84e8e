import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS } from "../../openapi/responses.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { LOGS_RESPONSE, LogQuerySchema, logsResponse } from "./logs-response.js";

export const containerLogsRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/containers/{id}/logs",
  operationId: "getContainerLogs",
  tags: ["Containers"],
  summary: "A container's logs",
  description:
    "Streams the container's output, demultiplexed by its own TTY setting. `Accept` picks the format: " +
    "`text/event-stream` (an event per line), `application/x-ndjson` (a JSON object per line) or `text/plain` " +
    "(the text). Memory stays bounded whatever the log size: a slow reader slows the daemon instead of being " +
    "buffered for, and a client that disconnects ends the daemon request at once.",
  request: { params: ContainerParamsSchema, query: LogQuerySchema },
  errors: [...HOST_CALL_ERRORS, "container_not_found", "too_many_requests"],
  responses: { 200: LOGS_RESPONSE },
});

export function registerContainerLogs(app: App): void {
  app.openapi(containerLogsRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    return logsResponse(c, await grantedClient(c, hostId), id, c.req.valid("query"));
  });
}
