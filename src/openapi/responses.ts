import type { z } from "@hono/zod-openapi";
import { ERRORS, type ErrorCode } from "../errors/api-error.js";
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from "../errors/problem.js";
import { NDJSON, SSE } from "../http/event-stream.js";

type ProblemResponse = {
  description: string;
  content: { [PROBLEM_CONTENT_TYPE]: { schema: typeof ProblemSchema } };
};

/** Every way a call that reaches a Docker host can fail, besides its own input. */
export const HOST_CALL_ERRORS = [
  "invalid_request",
  "host_not_found",
  "internal_error",
  "host_error",
  "host_unavailable",
  "host_timeout",
] as const satisfies readonly ErrorCode[];

/** The problem+json responses of a route, grouped by status, each naming the codes it can carry. */
export function problemResponses(...codes: ErrorCode[]): Record<number, ProblemResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ProblemResponse> = {};
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const lines = statusCodes.map((code) => `\`${code}\`: ${ERRORS[code].title}.`);
    responses[status] = {
      description: lines.join(" "),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
  }
  return responses;
}

/**
 * A 200 that is one JSON document, or a stream of events when the client asks for `application/x-ndjson` or
 * `text/event-stream` (`single` for the plain answer, `event` for each item of a stream).
 */
export function streamableResponse<S extends z.ZodType, E extends z.ZodType>(
  description: string,
  single: S,
  event: E,
) {
  return {
    description,
    content: {
      "application/json": { schema: single },
      [NDJSON]: { schema: event },
      [SSE]: { schema: event },
    },
  };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
