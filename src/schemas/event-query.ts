import { z } from "@hono/zod-openapi";
import { EventObjectTypeSchema } from "./event.js";
import { HostSelectionQuerySchema } from "./fleet.js";
import { labelFilterQuery, repeatedQuery } from "./query.js";

const RESUME_DESCRIPTION =
  "Resume after this event: an event's id (SSE `id`, NDJSON `eventId`), or an RFC 3339 time for every host. " +
  "Daemons keep only their last events (Docker: 256), so a long gap may have lost some.";

export const EventsQuerySchema = HostSelectionQuerySchema.extend({
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

export const EventsHeadersSchema = z.object({
  "last-event-id": z
    .string()
    .max(8192)
    .optional()
    .openapi({
      description: `Sent by a reconnecting EventSource; wins over \`since\`. ${RESUME_DESCRIPTION}`,
    }),
});
