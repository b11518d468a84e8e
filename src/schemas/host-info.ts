import { z } from "@hono/zod-openapi";

export const HostInfoSchema = z
  .object({
    name: z.string().openapi({ description: "The daemon's host name.", example: "build-3" }),
    engineVersion: z.string().openapi({ example: "28.2.2" }),
    apiVersion: z
      .string()
      .openapi({ description: "Engine API version portcall speaks to it.", example: "1.47" }),
    maxApiVersion: z
      .string()
      .openapi({ description: "Newest Engine API version the daemon offers.", example: "1.50" }),
    os: z.string().openapi({ example: "Debian GNU/Linux 12 (bookworm)" }),
    osType: z.string().openapi({ example: "linux" }),
    architecture: z.string().openapi({ example: "x86_64" }),
    kernelVersion: z.string(),
    cpus: z.number().int(),
    memoryBytes: z.number().int(),
    storageDriver: z.string().openapi({ example: "overlay2" }),
    containers: z
      .object({
        total: z.number().int(),
        running: z.number().int(),
        paused: z.number().int(),
        stopped: z.number().int(),
      })
      .openapi("HostContainerCounts"),
    images: z.number().int(),
    swarm: z
      .enum(["inactive", "pending", "active", "error", "locked"])
      .openapi({ description: "The daemon's swarm membership state." }),
  })
  .openapi("HostInfo");

export type HostInfo = z.infer<typeof HostInfoSchema>;
