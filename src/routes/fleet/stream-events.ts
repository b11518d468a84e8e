import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { EventCursor } from "../../fleet/event-cursor.js";
import { fleetHosts } from "../../fleet/fan-out.js";
import { streamMergedEvents } from "../../fleet/merged-events.js";
import { eventStream, NDJSON, SSE, streamFormat } from "../../http/event-stream.js";
import { operation } from "../../openapi/operation.js";
import { EventObjectTypeSchema, EventStreamEventSchema } from "../../schemas/event.js";
import { HostSelectionQuerySchema } from "../../schemas/fleet.js";
import { labelFilterQuery, repeatedQuery } from "../../schemas/query.js";

const RESUME_DESCRIPTION =
  "Resume after this event: an event's id (SSE `id`, NDJSON `eventId`), or an RFC 3339 time for every host. " +
  "Daemons keep only their last events (Docker: 256), so a long gap may have lost some.";

const EventsQuerySchema = HostSelectionQuerySchema.extend({
  type: repeatedQuery(z.array(EventObjectTypeSchema)).openapi({
    description: "Only events about these kinds of object. Repeat for several.",
    example: ["container"],
  }),
  action: repeatedQuery(z.array(z.string().regex(/^[a-z][a-z_]{0,63}$/, "must be a Docker action"))).openapi({
    description: "Only these actions (`start`, `die`, `exec_start`…). Repeat for several.",
    example: ["start", "die"],
  }),
  label: labelFilterQuery("events of objects"),
  since: z.string().max(8192).optional().openapi({ description: RESUME_DESCRIPTION }),
});

const EventsHeadersSchema = z.object({
  "last-event-id": z
    .string()
    .max(8192)
    .optional()
    .openapi({
      description: `Sent by a reconnecting EventSource; wins over \`since\`. ${RESUME_DESCRIPTION}`,
    }),
});

export const streamEventsRoute = operation("events:read", {
  method: "get",
  path: "/v1/events",
  operationId: "streamEvents",
  tags: ["Fleet"],
  summary: "Follow the events of every host",
  description:
    "One stream of the Docker events (containers, images, volumes, networks…) of every host the token may use, " +
    "or of the `host`s named, as SSE (the default) or NDJSON (`Accept: application/x-ndjson`). Each event names " +
    "its host. `host` events say when a host is followed, drops out (`detached`) and comes back (`attached`); " +
    "the events it had meanwhile then follow. Every event's id resumes the whole stream after it. An SSE " +
    "comment every 15 s keeps an idle stream open through proxies.",
  request: { query: EventsQuerySchema, headers: EventsHeadersSchema },
  errors: ["invalid_request", "host_not_found", "too_many_requests"],
  responses: {
    200: {
      description: "The events, until the client leaves.",
      content: { [SSE]: { schema: EventStreamEventSchema }, [NDJSON]: { schema: EventStreamEventSchema } },
    },
  },
});

export function registerStreamEvents(app: App): void {
  app.openapi(streamEventsRoute, (c) => {
    const { host, type, action, label, since } = c.req.valid("query");
    const resumeFrom = c.req.valid("header")["last-event-id"] ?? since;
    const hosts = fleetHosts(c, host).map((record) => record.id);
    const cursor = (resumeFrom ? EventCursor.resume(resumeFrom) : EventCursor.fresh()).narrowTo(hosts);
    const filter = { types: type, actions: action, labels: label };
    return eventStream(c, streamFormat(c) ?? "sse", (send, signal) =>
      streamMergedEvents(c.get("services").hosts, { hosts, filter, cursor }, send, signal),
    ) as never;
  });
}
