import type { z } from "@hono/zod-openapi";
import { ERRORS, type ErrorCode } from "../errors/api-error.js";
import { NDJSON, SSE } from "../http/event-stream.js";
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from "../schemas/problem.js";

type Header = { description: string; schema: { type: "string" | "integer" } };

const REQUEST_ID: Record<string, Header> = {
  "X-Request-Id": {
    description:
      "The request's id (yours, if you sent one); every log line and audit entry of it carries it.",
    schema: { type: "string" },
  },
};

/** Headers an error of a status carries besides the request id. */
const ERROR_HEADERS: Partial<Record<number, Record<string, Header>>> = {
  401: {
    "WWW-Authenticate": {
      description: "The Bearer challenge, naming what was wrong.",
      schema: { type: "string" },
    },
  },
  429: {
    "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer" } },
  },
};

type ProblemResponse = {
  description: string;
  headers: Record<string, Header>;
  content: { [PROBLEM_CONTENT_TYPE]: { schema: typeof ProblemSchema } };
};

export { HOST_CALL_ERRORS } from "../errors/api-error.js";

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
      headers: { ...REQUEST_ID, ...ERROR_HEADERS[status] },
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
    headers: REQUEST_ID,
    content: {
      "application/json": { schema: single },
      [NDJSON]: { schema: event },
      [SSE]: { schema: event },
    },
  };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, headers: REQUEST_ID, content: { "application/json": { schema } } };
}

/** A JSON answer about a resource that now exists: `Location` says where it lives. */
export function createdResponse<T extends z.ZodType>(schema: T, description: string) {
  const location = { description: "The path of the resource.", schema: { type: "string" as const } };
  return { ...jsonResponse(schema, description), headers: { ...REQUEST_ID, Location: location } };
}
