import { z } from "@hono/zod-openapi";
import { StreamErrorEventSchema } from "./stream.js";

/** The kinds of object the Engine API reports events about (its `Type`). */
export const EVENT_OBJECT_TYPES = [
  "container",
  "image",
  "volume",
  "network",
  "daemon",
  "plugin",
  "service",
  "node",
  "secret",
  "config",
  "builder",
] as const;

export const EventObjectTypeSchema = z.enum(EVENT_OBJECT_TYPES).openapi("EventObjectType", {
  description: "What the event is about.",
  example: "container",
});

const host = z.string().openapi({ description: "The host it happened on.", example: "build-1" });

// Only for NDJSON: SSE carries the same value in its own `id:` field.
const eventId = z
  .string()
  .optional()
  .openapi({
    description:
      "NDJSON only (SSE has it as the event's `id`): where the stream stands after this event; pass it as " +
      "`since` to resume after it.",
  });

export const HostEventSchema = z
  .object({
    type: EventObjectTypeSchema,
    host,
    action: z.string().openapi({
      description: "What happened, as Docker names it (`create`, `start`, `die`, `exec_start`, `pull`…).",
      example: "die",
    }),
    detail: z.string().optional().openapi({
      description: "What Docker says after the action: an exec's command, a health status.",
      example: "healthy",
    }),
    id: z.string().openapi({
      description: "The object's id (a volume's name).",
      example: "4c2a1f0e9b7d…",
    }),
    name: z.string().optional().openapi({ example: "web-1" }),
    image: z
      .string()
      .optional()
      .openapi({ description: "For containers: their image.", example: "httpd:2.4" }),
    service: z.string().optional().openapi({
      description: "For the container of a Swarm task: its service's name.",
      example: "web",
    }),
    attributes: z.record(z.string(), z.string()).openapi({
      description: "Everything Docker attached to the event: the object's labels, name, image, exit code…",
    }),
    time: z.iso.datetime().openapi({ example: "2026-11-28T01:02:03.456Z" }),
    exitCode: z.number().int().optional().openapi({ description: "For `die`: the process's exit code." }),
    eventId,
  })
  .openapi("HostEvent", { description: "Something happened to an object on a host." });

export const HostStateEventSchema = z
  .object({
    type: z.literal("host"),
    host,
    state: z.enum(["attached", "detached"]),
    reason: z.string().openapi({ example: 'Host "build-1" is unavailable: the connection was reset.' }),
    eventId,
  })
  .openapi("HostStateEvent", {
    description:
      "The stream started or stopped hearing from a host. A detached host is tried again until it answers; " +
      "the events it had meanwhile then follow.",
  });

export const EventStreamEventSchema = z
  .union([HostEventSchema, HostStateEventSchema, StreamErrorEventSchema])
  .openapi("EventStreamEvent");

export type EventObjectType = z.infer<typeof EventObjectTypeSchema>;
export type HostEvent = Omit<z.infer<typeof HostEventSchema>, "eventId">;
export type HostStateEvent = Omit<z.infer<typeof HostStateEventSchema>, "eventId">;
