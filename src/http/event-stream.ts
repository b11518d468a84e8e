import type { Context } from "hono";
import { type SSEStreamingApi, stream, streamSSE } from "hono/streaming";
import type { EventFeed, Send, TextFeed } from "../core/streams.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors/api-error.js";
import { toProblem } from "../errors/problem.js";

export type StreamFormat = "ndjson" | "sse";

export const NDJSON = "application/x-ndjson";
export const SSE = "text/event-stream";

/** The stream format the client asked for in `Accept`, or undefined for a plain JSON answer. */
export function streamFormat(c: Context<AppEnv>): StreamFormat | undefined {
  const accept = c.req.header("Accept") ?? "";
  if (accept.includes(SSE)) return "sse";
  if (accept.includes(NDJSON)) return "ndjson";
  return undefined;
}

// Proxies cut a connection that stays silent for long; an SSE comment keeps an idle stream open.
const KEEP_ALIVE_MS = 15_000;

/**
 * Streams a feed's events as NDJSON (`{"type": …, …}` per line) or SSE (`event: type`, with `id`). The feed
 * gets the client's abort signal: a client that leaves ends the work upstream at once. A failure after the
 * headers went out becomes a final `error` event carrying the problem document. SSE ids count up where an
 * event brings none; NDJSON carries a given id as `eventId`. When the process begins to stop, the stream ends
 * cleanly at once (a follow never ends by itself): the client reconnects elsewhere, resuming from the last id.
 */
export function eventStream(
  c: Context<AppEnv>,
  format: StreamFormat,
  feed: EventFeed,
  stopping: AbortSignal,
): Response {
  const { produce, release } = feed;
  const aborted = abortedBy(stopping);
  const fail = (error: unknown) =>
    toProblem(
      c,
      error instanceof ApiError
        ? error
        : new ApiError("internal_error", "The stream failed.", { cause: error }),
    );
  if (format === "sse") {
    return streamSSE(c, async (sse) => {
      sse.onAbort(() => aborted.abort());
      let count = 0;
      const frames = gathered(sse, () => aborted.abort());
      // One `data:` line suffices: JSON text holds no line break. Types and ids are portcall's own.
      const send: Send = (type, data, id) =>
        frames.write(
          `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\nid: ${id ?? String(++count)}\n\n`,
        );
      const keepAlive = keepAliveComments(sse);
      try {
        await produce(send, aborted.signal);
      } catch (error) {
        if (!aborted.signal.aborted) await send("error", { problem: fail(error) });
      } finally {
        await frames.drained();
        clearInterval(keepAlive);
        aborted.abort();
        release();
      }
    });
  }
  c.header("Content-Type", NDJSON);
  return stream(c, async (out) => {
    out.onAbort(() => aborted.abort());
    const lines = gathered(out, () => aborted.abort());
    const send: Send = (type, data, id) =>
      lines.write(`${JSON.stringify({ type, ...data, ...(id ? { eventId: id } : {}) })}\n`);
    try {
      await produce(send, aborted.signal);
    } catch (error) {
      if (!aborted.signal.aborted) await send("error", { problem: fail(error) });
    } finally {
      await lines.drained();
      aborted.abort();
      release();
    }
  });
}

// How much text may gather while a write is on its way before the producer waits for the client.
const GATHER_HIGH_WATER = 64 * 1024;

/**
 * Writes (NDJSON lines, SSE frames) as they come, each at once when nothing is on its way, else gathered into
 * the next write: a log of a million lines is a few thousand socket writes rather than a million, while a
 * followed log's line still goes out the moment it arrives. The producer waits for the client once GATHER_HIGH_WATER is waiting.
 */
function gathered(out: { write(text: string): Promise<unknown> }, failed: () => void) {
  let waiting = "";
  let inFlight: Promise<void> | undefined;
  // The last check of `waiting` and the reset of `inFlight` run in one step: no text is left behind unsent.
  const pump = async () => {
    try {
      while (waiting) {
        const text = waiting;
        waiting = "";
        await out.write(text);
      }
    } catch {
      waiting = "";
      failed();
    } finally {
      inFlight = undefined;
    }
  };
  return {
    async write(text: string): Promise<void> {
      waiting += text;
      inFlight ??= pump();
      if (waiting.length >= GATHER_HIGH_WATER) await inFlight;
    },
    drained: async () => {
      while (inFlight) await inFlight;
    },
  };
}

/**
 * Streams a feed's text as `text/plain`. Text has no room for an error event: a failure after the headers went
 * out cuts the transfer short (no last chunk), so the client sees a broken answer, not a log that looks whole.
 * When the process begins to stop, it ends cleanly.
 */
export function textStream(c: Context<AppEnv>, feed: TextFeed, stopping: AbortSignal): Response {
  const aborted = abortedBy(stopping);
  // Each write resolves once the server has taken the chunk toward the socket: a slow reader slows the feed.
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  // Rejects when the reader is cancelled: the client left.
  writer.closed.catch(() => aborted.abort());
  const encoder = new TextEncoder();
  void (async () => {
    try {
      await feed.produce(
        (chunk) => writer.write(typeof chunk === "string" ? encoder.encode(chunk) : chunk),
        aborted.signal,
      );
      await writer.close();
    } catch (error) {
      if (aborted.signal.aborted) await writer.close().catch(() => {});
      else await writer.abort(error).catch(() => {});
    } finally {
      aborted.abort();
      feed.release();
    }
  })();
  return c.body(readable, 200, { "Content-Type": "text/plain; charset=utf-8" });
}

/**
 * A stream's controller, aborted by the client leaving or by the process beginning to stop, whichever comes
 * first. Aborting it once the stream ended unhooks it from the process-wide signal, which would else keep
 * every stream ever served.
 */
function abortedBy(stopping: AbortSignal): AbortController {
  const aborted = new AbortController();
  if (stopping.aborted) {
    aborted.abort();
    return aborted;
  }
  const stop = () => aborted.abort();
  stopping.addEventListener("abort", stop, { once: true });
  aborted.signal.addEventListener("abort", () => stopping.removeEventListener("abort", stop), { once: true });
  return aborted;
}

/** A comment every KEEP_ALIVE_MS; skipped while the last one is still unread, so a stalled client gets no pile. */
function keepAliveComments(sse: SSEStreamingApi): NodeJS.Timeout {
  let pending = false;
  return setInterval(() => {
    if (pending) return;
    pending = true;
    void sse.write(": keep-alive\n\n").finally(() => {
      pending = false;
    });
  }, KEEP_ALIVE_MS);
}
