import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env.js";
import { ApiError, ERROR_CODES, ERRORS, type ErrorCode, FIELD_LOCATIONS } from "./api-error.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const FieldErrorSchema = z
  .object({
    location: z.enum(FIELD_LOCATIONS).openapi({
      description: "Which part of the request holds the field.",
    }),
    path: z.string().openapi({ description: "Dotted path of the field inside that part.", example: "all" }),
    message: z.string().openapi({ example: "Invalid input: expected boolean" }),
  })
  .openapi("FieldError");

const HostReasonSchema = z
  .object({
    host: z.string().openapi({ example: "build-2" }),
    reason: z.string().openapi({ example: "labels do not match" }),
  })
  .openapi("HostReason");

export const ProblemSchema = z
  .object({
    type: z.string().openapi({
      description: "A URI naming the kind of problem; one per `code`.",
      example: "urn:portcall:error:container_not_found",
    }),
    title: z
      .string()
      .openapi({ description: "Short summary of the kind of problem.", example: "No such container" }),
    status: z.number().int().openapi({ description: "The HTTP status code.", example: 404 }),
    detail: z.string().openapi({
      description: "What went wrong with this request, for a person.",
      example: 'Container "web-1" does not exist on host "local".',
    }),
    code: z.enum(ERROR_CODES).openapi({
      description: "Stable, machine-readable error code. Branch on this, not on `title` or `detail`.",
      example: "container_not_found",
    }),
    requestId: z.string().openapi({
      description:
        "The request's id, as echoed in the `X-Request-Id` header. Quote it when reporting a problem.",
      example: "0b3c6c5e-8a0e-4c2f-9d3b-2f3d1b9f8f41",
    }),
    errors: z
      .array(FieldErrorSchema)
      .optional()
      .openapi({ description: "For `invalid_request`: every field that failed validation." }),
    hosts: z
      .array(HostReasonSchema)
      .optional()
      .openapi({ description: "For `no_host_available`: why each host the token may use was passed over." }),
  })
  .openapi("Problem", {
    description: "An RFC 9457 problem document; every error portcall returns has this shape.",
  });

export type Problem = z.infer<typeof ProblemSchema>;

/** The problem document of an error, for a response or for the `error` event of a stream. */
export function toProblem(c: Context<AppEnv>, error: ApiError): Problem {
  c.set("problem", { code: error.code, detail: error.message });
  return {
    type: `urn:portcall:error:${error.code}`,
    title: ERRORS[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId: c.get("requestId"),
    ...(error.errors ? { errors: error.errors } : {}),
    ...(error.hosts ? { hosts: error.hosts } : {}),
  };
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
