import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { MCP_PATH } from "../channels/mcp/protected-resource.js";
import type { App } from "../env.js";
import { ApiError } from "../errors/api-error.js";
import { NDJSON, SSE } from "../http/event-stream.js";
import { PROBLEM_CONTENT_TYPE, problemOf } from "../schemas/problem.js";

const STREAMED = [SSE, NDJSON];

export const STREAMING_REFUSED =
  "This request is answered as a stream, which this function's endpoint (API Gateway, or a function URL in " +
  "buffered mode) cannot pass on. Call it through the function URL in response-streaming mode, or ask for a " +
  "single answer: Accept: application/json, and no follow=true.";

const isStreamType = (type: string | null | undefined) =>
  STREAMED.some((streamed) => type?.toLowerCase().includes(streamed));

/** A stream asked for in `Accept`, or a log asked to be followed: an answer that would end late or never. */
function asksForStream(request: Request): boolean {
  if (isStreamType(request.headers.get("Accept"))) return true;
  return new URL(request.url).searchParams.get("follow") === "true";
}

function refusal(requestId: string = randomUUID()): Response {
  const problem = problemOf(new ApiError("invalid_request", STREAMING_REFUSED), requestId);
  return new Response(JSON.stringify(problem), {
    status: 400,
    headers: { "Content-Type": PROBLEM_CONTENT_TYPE, "X-Request-Id": requestId },
  });
}

/**
 * The app behind an endpoint that buffers whole answers: a stream there would be held until it ends (an event
 * stream never does) and then cut by the platform's limits. A request that asks for one is refused before it
 * runs anything; an answer that turns out to be a stream (an operation whose only form is one) is ended and
 * refused in its place. Everything else passes through unchanged, MCP included: its event streams end with
 * the call they report on, and its clients take a buffered one as well.
 */
export function bufferedFront(app: App): Hono {
  const front = new Hono();
  front.use(async (c, next) => {
    if (c.req.path === MCP_PATH) return next();
    if (asksForStream(c.req.raw)) return refusal();
    await next();
    if (!isStreamType(c.res.headers.get("Content-Type"))) return;
    // Cancelling the body aborts the feed behind it, which ends its work upstream.
    await c.res.body?.cancel();
    c.res = refusal(c.res.headers.get("X-Request-Id") ?? undefined);
  });
  front.all("*", (c) => app.fetch(c.req.raw, c.env));
  return front;
}
