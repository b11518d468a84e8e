import { ApiError, HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { LogEventSchema, LogQuerySchema } from "../../schemas/logs.js";
import { RunParamsSchema } from "../../schemas/run.js";
import { logFeed } from "../containers/log-feed.js";
import { defineOperation } from "../operation.js";
import { visibleRun } from "./run-access.js";

export const getRunLogs = defineOperation({
  name: "getRunLogs",
  scope: "runs:read",
  tags: ["Runs"],
  summary: "A run's logs, as they come",
  description:
    "The log stream of the run's container, as GET /v1/hosts/{host}/containers/{id}/logs gives it (`follow=true` " +
    "to watch it live). Once the container was removed after the run, this is 409 `conflict`: the kept output " +
    "is in the run itself.",
  input: RunParamsSchema.extend(LogQuerySchema.shape),
  output: undefined,
  errors: [
    ...HOST_CALL_ERRORS,
    "run_not_found",
    "container_not_found",
    "conflict",
    "too_many_requests",
    "internal_error",
  ],
  http: { method: "get", path: "/v1/runs/{id}/logs", responses: { 200: "The log lines." } },
  stream: { events: LogEventSchema, only: true, text: true },
  async run(ctx, { id, ...query }) {
    const row = await visibleRun(ctx, id);
    if (row.removed) {
      throw new ApiError(
        "conflict",
        `The container of run "${row.id}" was removed when the run ended; its kept output is in GET /v1/runs/${row.id}.`,
      );
    }
    return logFeed(ctx, await ctx.services.hosts.get(row.host), row.container_id, query);
  },
});
