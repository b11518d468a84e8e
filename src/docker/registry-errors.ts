import { ApiError } from "../errors/api-error.js";

// What registries and the daemon say when a pull or push fails, by kind. The daemon reports these either as an
// HTTP error before the stream starts or as an `error` inside a stream that was HTTP 200.
const NOT_FOUND = /manifest unknown|not found|does not exist|repository name not known|no such image/i;
const AUTH =
  /unauthorized|authentication required|no basic auth credentials|denied|incorrect username or password/i;

/** The portcall error for a registry failure message, naming the image; never the credentials. */
export function registryError(message: string, image: string, hostId: string, cause?: unknown): ApiError {
  const clean = message
    .replace(/\p{Cc}+/gu, " ")
    .trim()
    .slice(0, 500);
  if (AUTH.test(clean) && !/pull access denied/i.test(clean)) {
    return new ApiError(
      "registry_auth_failed",
      `The registry refused host "${hostId}" access to ${image}: ${clean}`,
      {
        cause,
      },
    );
  }
  if (NOT_FOUND.test(clean) || /pull access denied/i.test(clean)) {
    return new ApiError("image_not_found", `Image ${image} was not found in its registry: ${clean}`, {
      cause,
    });
  }
  return new ApiError("host_error", `Host "${hostId}" could not pull ${image}: ${clean}`, { cause });
}
