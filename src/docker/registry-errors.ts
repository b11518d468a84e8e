import { ApiError } from "../errors/api-error.js";

// What registries and the daemon say when a pull or push fails, by kind. The daemon reports these either as an
// HTTP error before the stream starts or as an `error` inside a stream that was HTTP 200.
const NOT_FOUND = /manifest unknown|not found|does not exist|repository name not known|no such image/i;
const AUTH =
  /unauthorized|authentication required|no basic auth credentials|denied|incorrect username or password/i;
// A daemon that reached something at the image's address which was no registry quotes what answered; that text
// belongs to whatever listens there, not to the caller.
const NOT_A_REGISTRY = /error parsing HTTP|invalid character|unexpected (http|EOF)|malformed|response body/i;

/**
 * The portcall error for a registry failure message, naming the image; never the credentials, and never the
 * daemon's own words: they can quote what answered at an address the caller chose (a pull of
 * `127.0.0.1:8500/x` asks whatever listens on the daemon's loopback). The message stays in `cause`, for the log.
 */
export function registryError(message: string, image: string, hostId: string, cause?: unknown): ApiError {
  const clean = message.replace(/\p{Cc}+/gu, " ").trim();
  const because = cause ?? new Error(clean.slice(0, 500));
  if (NOT_A_REGISTRY.test(clean)) {
    return new ApiError(
      "host_error",
      `Host "${hostId}" could not transfer ${image}: what answered at its address is not a registry.`,
      { cause: because },
    );
  }
  if (AUTH.test(clean) && !/pull access denied/i.test(clean)) {
    return new ApiError(
      "registry_auth_failed",
      `The registry refused host "${hostId}" access to ${image}: its credentials are missing or wrong.`,
      { cause: because },
    );
  }
  if (NOT_FOUND.test(clean) || /pull access denied/i.test(clean)) {
    return new ApiError("image_not_found", `Image ${image} was not found in its registry.`, {
      cause: because,
    });
  }
  return new ApiError(
    "host_error",
    `Host "${hostId}" could not transfer ${image}: its registry could not be reached or refused the transfer.`,
    { cause: because },
  );
}
