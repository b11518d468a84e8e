import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { eventStream, streamFormat } from "../../http/event-stream.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, streamableResponse } from "../../openapi/responses.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { ContainerStatsSchema } from "../../schemas/stats.js";
import { itemStream } from "../../schemas/stream.js";

export const containerStatsRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/containers/{id}/stats",
  operationId: "getContainerStats",
  tags: ["Containers"],
  summary: "A container's resource use",
  description:
    "One sample (CPU %, memory use and limit, network and block IO, pids) with `Accept: application/json`; a " +
    "sample about every second with `application/x-ndjson` or `text/event-stream`, until the client disconnects.",
  request: { params: ContainerParamsSchema },
  errors: [...HOST_CALL_ERRORS, "container_not_found", "too_many_requests"],
  responses: {
    200: streamableResponse(
      "The sample, or the stream of samples.",
      ContainerStatsSchema,
      itemStream("stats", ContainerStatsSchema, "StatsEvent"),
    ),
  },
});

export function registerContainerStats(app: App): void {
  app.openapi(containerStatsRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    const host = await grantedClient(c, hostId);
    const format = streamFormat(c);
    if (!format) return c.json(await host.containerStats(id, { signal: c.req.raw.signal }), 200);
    return eventStream(c, format, async (send, signal) => {
      for await (const sample of host.streamContainerStats(id, { signal })) await send("stats", sample);
    }) as never;
  });
}
