import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { stream } from "hono/streaming";
import type { ContainerLogs, DockerHost, LogQuery } from "../../docker/docker-host.js";
import type { AppEnv } from "../../env.js";
import { eventStream, NDJSON, SSE, streamFormat } from "../../http/event-stream.js";
import { acquireSlot } from "../../limits/concurrency-limiter.js";
import { booleanQuery } from "../../schemas/query.js";
import { itemStream } from "../../schemas/stream.js";

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

const LogEventSchema = itemStream("log", LogLineSchema, "LogEvent");

export const LOGS_RESPONSE = {
  description: "The log lines.",
  content: {
    "text/plain": { schema: z.string() },
    [NDJSON]: { schema: LogEventSchema },
    [SSE]: { schema: LogEventSchema },
  },
};

/** A container's log in the format `Accept` asks for: text, NDJSON or SSE lines. */
export async function logsResponse(
  c: Context<AppEnv>,
  host: DockerHost,
  containerId: string,
  query: LogQuery,
): Promise<Response> {
  // Taken before the daemon's stream is opened, so a refusal leaves nothing open behind it.
  const slot = acquireSlot(c, "streams");
  const upstream = new AbortController();
  let logs: ContainerLogs;
  try {
    logs = await host.containerLogs(containerId, query, { signal: upstream.signal });
  } catch (error) {
    slot();
    throw error;
  }
  const format = streamFormat(c);
  if (format) {
    return eventStream(
      c,
      format,
      async (send, signal) => {
        signal.addEventListener("abort", () => upstream.abort(), { once: true });
        for await (const line of logs.lines()) await send("log", line);
      },
      slot,
    );
  }
  c.header("Content-Type", "text/plain; charset=utf-8");
  return stream(c, async (out) => {
    out.onAbort(() => upstream.abort());
    try {
      for await (const chunk of logs.text()) await out.write(chunk);
    } finally {
      slot();
    }
  });
}
