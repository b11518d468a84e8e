import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { LogEventSchema, LogQuerySchema } from "../../schemas/logs.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";
import { logFeed } from "./log-feed.js";

export const getContainerLogs = defineOperation({
  name: "getContainerLogs",
  scope: "containers:read",
  tags: ["Containers"],
  summary: "A container's logs",
  description:
    "Streams the container's output, demultiplexed by its own TTY setting. `Accept` picks the format: " +
    "`text/event-stream` (an event per line), `application/x-ndjson` (a JSON object per line) or `text/plain` " +
    "(the text). Memory stays bounded whatever the log size: a slow reader slows the daemon instead of being " +
    "buffered for, and a client that disconnects ends the daemon request at once.",
  input: ContainerParamsSchema.extend(LogQuerySchema.shape),
  output: undefined,
  errors: [...HOST_CALL_ERRORS, "container_not_found", "too_many_requests", "internal_error"],
  http: {
    method: "get",
    path: "/v1/hosts/{host}/containers/{id}/logs",
    responses: { 200: "The log lines." },
  },
  stream: { events: LogEventSchema, only: true, text: true },
  async run(ctx, { host: hostId, id, ...query }) {
    return logFeed(ctx, await grantedClient(ctx, hostId), id, query);
  },
});
