import { ApiError, type ErrorCode } from "../errors/api-error.js";

/** Why one host is missing from a fleet-wide answer. */
export type HostFailure = { host: string; code: ErrorCode; message: string };

export function toHostFailure(host: string, error: unknown): HostFailure {
  const apiError =
    error instanceof ApiError ? error : new ApiError("internal_error", "The call failed unexpectedly.");
  return { host, code: apiError.code, message: apiError.message };
}
