import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { authenticate, requireScope } from "../auth/authenticate.js";
import type { Scope } from "../auth/scopes.js";
import type { ErrorCode } from "../errors/api-error.js";
import { type BodyTypes, JSON_BODY_LIMIT, requestBody } from "../middleware/request-body.js";
import { problemResponses } from "./responses.js";

export const BEARER_SCHEME = "bearer";

type OperationConfig = Omit<RouteConfig, "security" | "middleware" | "operationId"> & {
  operationId: string;
  /** Every error code the operation can answer with; their problem+json responses are generated. */
  errors: ErrorCode[];
  /** Body limits of media types other than JSON's 1 MiB (a build's tar context). */
  bodyLimits?: Record<string, number>;
};

/** The media types a route's body may have, each with its limit. */
function bodyTypes(route: OperationConfig): BodyTypes | undefined {
  const content = route.request?.body?.content;
  if (!content) return undefined;
  return Object.fromEntries(
    Object.keys(content).map((type) => [type, route.bodyLimits?.[type] ?? JSON_BODY_LIMIT]),
  );
}

function withProblems<R extends OperationConfig>({ errors, bodyLimits: _, ...route }: R, extra: ErrorCode[]) {
  const problems = problemResponses(...errors, ...extra, "internal_error");
  // Handlers return only their successes (errors are thrown as ApiError), so their types keep R's responses.
  return { ...route, responses: { ...route.responses, ...problems } as R["responses"] };
}

/**
 * A protected operation: the scope it needs is declared once, here, and becomes both its OpenAPI security
 * requirement and the check that runs first in its handler path, before its input is even validated.
 */
export function operation<const R extends OperationConfig>(scope: Scope, route: R) {
  // Any protected route answers 400 to a query parameter it does not take, whatever its own input.
  const { responses, ...rest } = withProblems(route, [
    "invalid_token",
    "insufficient_scope",
    "invalid_request",
  ]);
  return createRoute({
    ...rest,
    responses,
    description: `${route.description ? `${route.description}\n\n` : ""}Requires the \`${scope}\` scope.`,
    security: [{ [BEARER_SCHEME]: [scope] }],
    middleware: [
      authenticate(route.operationId),
      requireScope(scope),
      requestBody(bodyTypes(route) ?? {}),
    ] as const,
  });
}

/** A route anyone may call without a token: probes and documents. */
export function publicRoute<const R extends OperationConfig>(route: R) {
  return createRoute({ ...withProblems(route, []), security: [] });
}
