import { z } from "@hono/zod-openapi";
import { booleanQuery } from "./query.js";
import { itemStream } from "./stream.js";

const time = (description: string) =>
  z
    .union([z.iso.datetime(), z.string().regex(/^\d{1,12}$/)])
    .optional()
    .transform((value) =>
      value === undefined
        ? undefined
        : /^\d+$/.test(value)
          ? Number(value)
          : Math.floor(Date.parse(value) / 1000),
    )
    .openapi({ description: `${description} (RFC 3339 time or Unix seconds).` });

export const LogQuerySchema = z.object({
  follow: booleanQuery(false, "Keep the stream open and send new lines as they come."),
  stdout: booleanQuery(true, "Include standard output."),
  stderr: booleanQuery(true, "Include standard error."),
  timestamps: booleanQuery(false, "Give each line the daemon's timestamp (`ts`)."),
  tail: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .openapi({ description: "Only the last N lines." }),
  since: time("Only lines at or after this time"),
  until: time("Only lines before this time"),
});

export const LogLineSchema = z
  .object({
    stream: z.enum(["stdout", "stderr"]),
    ts: z.string().nullable().openapi({ description: "The daemon's timestamp, when `timestamps=true`." }),
    line: z.string(),
  })
  .openapi("LogLine", { description: "One line of a container's output. In a stream, `type` is `log`." });

export const LogEventSchema = itemStream("log", LogLineSchema, "LogEvent");
