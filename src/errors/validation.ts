import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { invalidInput } from "./field-errors.js";

/** The one zod hook of the app: every failed request schema becomes 400 invalid_request naming its fields. */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input and output type
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  throw invalidInput(result.error.issues, (path) => ({ location: result.target, path: path.join(".") }));
};
