import { ApiError, type FieldError } from "./api-error.js";

type Issue = { path: PropertyKey[]; message: string };

/** Where a field of an input came from, and its path inside that part (a channel knows; zod does not). */
export type Locate = (path: string[]) => Pick<FieldError, "location" | "path">;

/** The one way a failed input becomes 400 invalid_request, naming every field that failed. */
export function invalidInput(issues: readonly Issue[], locate: Locate): ApiError {
  const errors: FieldError[] = issues.map((issue) => ({
    ...locate(issue.path.map(String)),
    message: issue.message,
  }));
  const summary = errors.map((e) => `${e.location}${e.path ? `.${e.path}` : ""}: ${e.message}`).join("; ");
  return new ApiError("invalid_request", `The request is invalid: ${summary}`, { errors });
}
