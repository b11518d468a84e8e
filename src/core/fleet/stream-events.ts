import { EventCursor } from "../../fleet/event-cursor.js";
import { streamMergedEvents } from "../../fleet/merged-events.js";
import { EventStreamEventSchema } from "../../schemas/event.js";
import { EventsHeadersSchema, EventsQuerySchema } from "../../schemas/event-query.js";
import { fleetHosts } from "../fan-out.js";
import { acquireSlot } from "../limits.js";
import { defineOperation } from "../operation.js";
import { EventFeed } from "../streams.js";

export const streamEvents = defineOperation({
  name: "streamEvents",
  scope: "events:read",
  tags: ["Fleet"],
  summary: "Follow the events of every host",
  description:
    "One stream of the Docker events (containers, images, volumes, networks…) of every host the token may use, " +
    "or of the `host`s named, as SSE (the default) or NDJSON (`Accept: application/x-ndjson`). Each event names " +
    "its host. `host` events say when a host is followed, drops out (`detached`) and comes back (`attached`); " +
    "the events it had meanwhile then follow. Every event's id resumes the whole stream after it. An SSE " +
    "comment every 15 s keeps an idle stream open through proxies.",
  input: EventsQuerySchema.extend(EventsHeadersSchema.shape),
  output: undefined,
  errors: ["invalid_request", "host_not_found", "too_many_requests", "internal_error"],
  http: {
    method: "get",
    path: "/v1/events",
    headers: ["last-event-id"],
    responses: { 200: "The events, until the client leaves." },
  },
  stream: { events: EventStreamEventSchema, only: true },
  async run(ctx, { host, type, action, label, since, "last-event-id": lastEventId }) {
    const resumeFrom = lastEventId ?? since;
    const hosts = fleetHosts(ctx, host).map((record) => record.id);
    const cursor = (resumeFrom ? EventCursor.resume(resumeFrom) : EventCursor.fresh()).narrowTo(hosts);
    const filter = { types: type, actions: action, labels: label };
    const release = acquireSlot(ctx, "streams");
    return new EventFeed(
      (send, signal) => streamMergedEvents(ctx.services.hosts, { hosts, filter, cursor }, send, signal),
      release,
    );
  },
});
