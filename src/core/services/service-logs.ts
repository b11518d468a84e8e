import { LogEventSchema, LogQuerySchema } from "../../schemas/logs.js";
import { ServiceParamsSchema } from "../../schemas/service.js";
import { logsFeed } from "../containers/log-feed.js";
import { defineOperation } from "../operation.js";
import { SWARM_ERRORS, swarmManager } from "./swarm-access.js";

export const getServiceLogs = defineOperation({
  name: "getServiceLogs",
  scope: "services:read",
  tags: ["Services"],
  summary: "The logs of a Swarm service's tasks",
  description:
    "The output of every task, in the formats of a container's log (`Accept`: `text/event-stream`, " +
    "`application/x-ndjson` or `text/plain`), with the same bounds. Lines of different tasks interleave as " +
    "Swarm gathers them.",
  input: ServiceParamsSchema.extend(LogQuerySchema.omit({ until: true }).shape),
  output: undefined,
  errors: [...SWARM_ERRORS, "service_not_found", "too_many_requests"],
  audit: ({ service }) => ({ target: service }),
  http: {
    method: "get",
    path: "/v1/hosts/{host}/services/{service}/logs",
    responses: { 200: "The log lines." },
  },
  stream: { events: LogEventSchema, only: true, text: true },
  async run(ctx, { host: hostId, service, ...query }) {
    const host = await swarmManager(ctx, hostId);
    return logsFeed(ctx, (options) => host.serviceLogs(service, query, options));
  },
});
