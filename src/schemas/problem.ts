import { z } from "@hono/zod-openapi";
import { type ApiError, ERROR_CODES, ERRORS, FIELD_LOCATIONS } from "../errors/api-error.js";

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

/** The problem document of an error, whatever channel carries it (a response, a stream's last event, a tool result). */
export function problemOf(error: ApiError, requestId: string): Problem {
  return {
    type: `urn:portcall:error:${error.code}`,
    title: ERRORS[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(error.hosts ? { hosts: error.hosts } : {}),
  };
}
