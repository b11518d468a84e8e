import type { RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { z } from "zod";
import {
  type AnyOperation,
  auditOf,
  type OperationContext,
  type SuccessStatus,
} from "../../core/operation.js";
import type { App, AppEnv } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { operation as protectedRoute, publicRoute } from "../../openapi/operation.js";
import { createdResponse, jsonResponse } from "../../openapi/responses.js";
import { type InputParts, inputParts, parseInput, rawInput } from "./request-input.js";

function successResponses(op: AnyOperation): RouteConfig["responses"] {
  const { output, http } = op;
  return Object.fromEntries(
    Object.entries(http.responses).map(([status, description]) => {
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
    ...(body ? { body: { content: { "application/json": { schema: body } }, required: true } } : {}),
  };
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
    responses: successResponses(op),
  };
  if (!op.scope) return { route: publicRoute(config), middleware: [] };
  const { middleware, ...route } = protectedRoute(op.scope, config);
  return { route, middleware: [...middleware] };
}

function statusOf(op: AnyOperation, result: unknown): SuccessStatus {
  if (op.http.status) return op.http.status(result);
  const [only] = Object.keys(op.http.responses);
  return Number(only) as SuccessStatus;
}

async function answer(c: Context<AppEnv>, op: AnyOperation, parts: InputParts): Promise<Response> {
  const input = parseInput(op, parts, await rawInput(c, parts));
  const principal = c.get("principal");
  if (op.scope && !principal)
    throw new ApiError("internal_error", "A protected operation ran without a principal.");
  const ctx: OperationContext = {
    services: c.get("services"),
    signal: c.req.raw.signal,
    requestId: c.get("requestId"),
    audit: auditOf(op, input),
    principal,
  };
  let result: unknown;
  try {
    result = await op.run(ctx, input);
    ctx.audit = auditOf(op, input, result);
  } finally {
    if (op.scope) c.set("audit", ctx.audit);
  }
  if (op.http.location) c.header("Location", op.http.location(result));
  if (op.http.cacheControl) c.header("Cache-Control", op.http.cacheControl);
  const status = statusOf(op, result);
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
