import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env.js";
import { PROBLEM_CONTENT_TYPE, type Problem, problemOf } from "../schemas/problem.js";
import { ApiError, type ErrorCode } from "./api-error.js";

export { PROBLEM_CONTENT_TYPE, ProblemSchema } from "../schemas/problem.js";

/** The problem document of an error, for a response or for the `error` event of a stream. */
export function toProblem(c: Context<AppEnv>, error: ApiError): Problem {
  c.set("problem", { code: error.code, detail: error.message });
  return problemOf(error, c.get("requestId"));
}

export function problemResponse(c: Context<AppEnv>, error: ApiError): Response {
  return c.body(JSON.stringify(toProblem(c, error)), error.status, {
    ...error.headers,
    "Content-Type": PROBLEM_CONTENT_TYPE,
  });
}

/** Hono's own exceptions (malformed JSON, wrong content type) keep their status under one of our codes. */
function fromHttpException(error: HTTPException): ApiError {
  const byStatus: Partial<Record<number, ErrorCode>> = {
    400: "invalid_request",
    404: "not_found",
    415: "unsupported_media_type",
  };
  const code = byStatus[error.status];
  return code ? new ApiError(code, error.message, { cause: error }) : internalError(error);
}

function internalError(cause: unknown): ApiError {
  return new ApiError(
    "internal_error",
    "An unexpected error occurred; the request id identifies it in the server log.",
    {
      cause,
    },
  );
}

/** Whether the client closed its connection before the answer was sent (the server aborts the request's signal). */
export function clientWentAway(c: Context<AppEnv>): boolean {
  return c.req.raw.signal.aborted;
}

export function onError(error: Error, c: Context<AppEnv>): Response {
  const apiError =
    error instanceof ApiError
      ? error
      : error instanceof HTTPException
        ? fromHttpException(error)
        : internalError(error);
  // A client that went away mid-request failed nothing of ours: the access log says it left, at info.
  if (apiError.status >= 500 && !clientWentAway(c)) {
    const cause = apiError.cause instanceof Error ? apiError.cause : undefined;
    c.get("services")?.logger.error("request failed", {
      requestId: c.get("requestId"),
      code: apiError.code,
      detail: apiError.message,
      cause: cause ? `${cause.name}: ${cause.message}` : undefined,
    });
  }
  return problemResponse(c, apiError);
}

export function onNotFound(c: Context<AppEnv>): Response {
  return problemResponse(c, new ApiError("not_found", `No route matches ${c.req.method} ${c.req.path}.`));
}
