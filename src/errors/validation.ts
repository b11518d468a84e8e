import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { ApiError, type FieldError } from "./api-error.js";

type Issue = { path: PropertyKey[]; message: string };

/** The one zod hook of the app: every failed request schema becomes 400 invalid_request naming its fields. */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input and output type
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  const errors: FieldError[] = (result.error.issues as Issue[]).map((issue) => ({
    location: result.target,
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
  const summary = errors.map((e) => `${e.location}${e.path ? `.${e.path}` : ""}: ${e.message}`).join("; ");
  throw new ApiError("invalid_request", `The request is invalid: ${summary}`, { errors });
};
