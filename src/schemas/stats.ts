import { z } from "@hono/zod-openapi";
import { itemStream } from "./stream.js";

export const ContainerStatsSchema = z
  .object({
    readAt: z.iso.datetime(),
    cpuPercent: z.number().openapi({
      description: "Share of one CPU times the CPUs in use, like `docker stats`.",
      example: 12.5,
    }),
    onlineCpus: z.number().int(),
    memory: z
      .object({
        usageBytes: z.number().int().openapi({ description: "Without reclaimable page cache." }),
        limitBytes: z.number().int(),
        percent: z.number(),
      })
      .openapi("MemoryStats"),
    network: z.object({ rxBytes: z.number().int(), txBytes: z.number().int() }).openapi("NetworkStats"),
    blockIo: z.object({ readBytes: z.number().int(), writeBytes: z.number().int() }).openapi("BlockIoStats"),
    pids: z.number().int(),
  })
  .openapi("ContainerStats", {
    description: "One sample of a container's resource use. In a stream, `type` is `stats`.",
  });

export type ContainerStats = z.infer<typeof ContainerStatsSchema>;

/** One event of a stats stream: a sample about every second, or a final error. */
export const StatsEventSchema = itemStream("stats", ContainerStatsSchema, "StatsEvent");
