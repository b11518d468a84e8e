import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { ContainerStatsSchema, StatsEventSchema } from "../../schemas/stats.js";
import { grantedClient } from "../access.js";
import { acquireSlot } from "../limits.js";
import { defineOperation } from "../operation.js";
import { EventFeed } from "../streams.js";

export const getContainerStats = defineOperation({
  name: "getContainerStats",
  scope: "containers:read",
  tags: ["Containers"],
  summary: "A container's resource use",
  description:
    "One sample (CPU %, memory use and limit, network and block IO, pids) with `Accept: application/json`; a " +
    "sample about every second with `application/x-ndjson` or `text/event-stream`, until the client disconnects.",
  input: ContainerParamsSchema,
  output: ContainerStatsSchema,
  errors: [...HOST_CALL_ERRORS, "container_not_found", "too_many_requests", "internal_error"],
  http: {
    method: "get",
    path: "/v1/hosts/{host}/containers/{id}/stats",
    responses: { 200: "The sample, or the stream of samples." },
  },
  stream: { events: StatsEventSchema },
  async run(ctx, { host: hostId, id }) {
    const host = await grantedClient(ctx, hostId);
    if (ctx.stream !== "events") return host.containerStats(id, { signal: ctx.signal });
    // A stream holds one of the subject's stream slots while it is open.
    const release = acquireSlot(ctx, "streams");
    return new EventFeed(async (send, signal) => {
      for await (const sample of host.streamContainerStats(id, { signal })) await send("stats", sample);
    }, release);
  },
});
