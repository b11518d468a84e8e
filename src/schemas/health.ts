import { z } from "@hono/zod-openapi";

export const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

// Counts only: the probe is public, and which hosts exist is for tokens that may see them (GET /v1/hosts).
const HostCountsSchema = z
  .object({
    total: z.number().int(),
    reachable: z.number().int(),
    unreachable: z.number().int(),
    unknown: z.number().int().openapi({ description: "Not probed yet." }),
  })
  .openapi("HostCounts");

export const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    stopping: z.boolean().openapi({ description: "The process is shutting down: send new work elsewhere." }),
    store: z.object({ ok: z.boolean(), error: z.string().nullable() }).openapi("StoreProbe"),
    hosts: HostCountsSchema,
  })
  .openapi("Readiness");
