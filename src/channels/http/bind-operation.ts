import type { RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { z } from "zod";
import { type AnyOperation, auditOf, type OperationContext, successStatus } from "../../core/operation.js";
import { EventFeed, type StreamMode, TextFeed } from "../../core/streams.js";
import type { App, AppEnv } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import {
  eventStream,
  NDJSON,
  SSE,
  type StreamFormat,
  streamFormat,
  textStream,
} from "../../http/event-stream.js";
import { operation as protectedRoute, publicRoute } from "../../openapi/operation.js";
import { createdResponse, jsonResponse, streamableResponse } from "../../openapi/responses.js";
import { type InputParts, inputParts, parseInput, rawInput, refuseUnknownQuery } from "./request-input.js";

/** A streamed answer's content: its events as SSE and NDJSON, and its text or single-result form if it has one. */
function streamedResponse(op: AnyOperation, description: string) {
  const { stream, output } = op;
  if (!stream) return undefined;
  const events = { [NDJSON]: { schema: stream.events }, [SSE]: { schema: stream.events } };
  if (!stream.only && output) return streamableResponse(description, output, stream.events);
  if (stream.text) return { description, content: { "text/plain": { schema: z.string() }, ...events } };
  return { description, content: { [SSE]: events[SSE], [NDJSON]: events[NDJSON] } };
}

function successResponses(op: AnyOperation): RouteConfig["responses"] {
  const { output, http } = op;
  return Object.fromEntries(
    Object.entries(http.responses).map(([status, description]) => {
      const streamed = status === "200" ? streamedResponse(op, description) : undefined;
      if (streamed) return [status, streamed];
      if (!output) return [status, { description }];
      const respond = http.location ? createdResponse : jsonResponse;
      return [status, respond(output, description)];
    }),
  );
}

function request(op: AnyOperation, parts: InputParts): RouteConfig["request"] {
  const { input } = op;
  const subset = (keys: string[]) =>
    keys.length ? z.object(Object.fromEntries(keys.map((key) => [key, input.shape[key]]))) : undefined;
  const body = parts.body === "input" ? input : parts.body ? input.shape[parts.body] : undefined;
  return {
    ...(parts.params.length ? { params: subset(parts.params) } : {}),
    ...(parts.query.length ? { query: subset(parts.query) } : {}),
    ...(parts.headers.length ? { headers: subset(parts.headers) } : {}),
    ...(body ? { body: requestBody(op, body) } : {}),
  };
}

function requestBody(op: AnyOperation, schema: z.ZodType) {
  const upload = op.http.upload;
  if (!upload) return { content: { "application/json": { schema } }, required: true };
  const binary = { schema: z.string().openapi({ format: "binary" }) };
  const uploads = Object.fromEntries(Object.keys(upload.types).map((type) => [type, binary]));
  // Either body will do, so neither is required by the document; the input's schema says what is missing.
  return { content: { "application/json": { schema }, ...uploads }, required: false };
}

/** The route an operation is in the OpenAPI document (its binding, schemas, errors and scope), with its middleware. */
function routeOf(
  op: AnyOperation,
  parts: InputParts,
): { route: RouteConfig; middleware: MiddlewareHandler<AppEnv>[] } {
  const config = {
    method: op.http.method,
    path: op.http.path,
    operationId: op.name,
    tags: op.tags,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    request: request(op, parts),
    errors: op.errors,
    ...(op.http.upload ? { bodyLimits: op.http.upload.types } : {}),
    responses: successResponses(op),
  };
  if (!op.scope) return { route: publicRoute(config), middleware: [] };
  const { middleware, ...route } = protectedRoute(op.scope, config);
  return { route, middleware: [...middleware] };
}

/** How the caller takes a streamed answer: the format it asked for, else the operation's default form. */
function streamChoice(c: Context<AppEnv>, op: AnyOperation): { mode: StreamMode; format?: StreamFormat } {
  if (!op.stream) return { mode: undefined };
  const format = streamFormat(c);
  if (format) return { mode: "events", format };
  if (op.stream.text) return { mode: "text" };
  return op.stream.only ? { mode: "events", format: "sse" } : { mode: undefined };
}

async function answer(c: Context<AppEnv>, op: AnyOperation, parts: InputParts): Promise<Response> {
  // Public routes (probes, the key set) stay lenient: monitors and caches add parameters of their own.
  if (op.scope) refuseUnknownQuery(c, parts);
  const input = parseInput(op, parts, await rawInput(c, parts, op.http.upload));
  const { mode, format } = streamChoice(c, op);
  const principal = c.get("principal");
  if (op.scope && !principal)
    throw new ApiError("internal_error", "A protected operation ran without a principal.");
  const ctx: OperationContext = {
    services: c.get("services"),
    signal: c.req.raw.signal,
    requestId: c.get("requestId"),
    audit: auditOf(op, input),
    principal,
    stream: mode,
  };
  let result: unknown;
  try {
    result = await op.run(ctx, input);
    // An operation that names its target from the result says so; one that set `ctx.audit` itself keeps it.
    if (op.audit) ctx.audit = auditOf(op, input, result);
  } finally {
    if (op.scope) c.set("audit", ctx.audit);
  }
  const { stopping } = ctx.services;
  if (result instanceof EventFeed) return eventStream(c, format ?? "sse", result, stopping);
  if (result instanceof TextFeed) return textStream(c, result, stopping);
  if (ctx.replayed) c.header("Idempotent-Replayed", "true");
  if (op.http.location) c.header("Location", op.http.location(result, input));
  if (op.http.cacheControl) c.header("Cache-Control", op.http.cacheControl);
  const status = successStatus(op, result);
  if (status === 204 || op.output === undefined) return c.body(null, 204);
  return c.json(result, status);
}

/**
 * Serves one catalog operation over HTTP: the same authentication, scope check and body rules as every
 * protected route (`operation()` in src/openapi), then input validation, the call, and its answer. Errors are
 * thrown as ApiError and become problem+json in `onError`.
 */
export function bindOperation(app: App, op: AnyOperation): void {
  const parts = inputParts(op);
  const { route, middleware } = routeOf(op, parts);
  app.openAPIRegistry.registerPath(route);
  const path = op.http.path.replaceAll(/\{([^}]+)\}/g, ":$1");
  app.on(op.http.method.toUpperCase(), [path], ...middleware, (c: Context<AppEnv>) => answer(c, op, parts));
}
