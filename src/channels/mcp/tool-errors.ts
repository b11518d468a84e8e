import { ApiError, type ErrorCode } from "../../errors/api-error.js";
import { problemOf } from "../../schemas/problem.js";

/**
 * What a model can do about each kind of failure. The detail says what was wrong with this call; this says
 * what would make a next call succeed, where something would.
 */
const NEXT_STEP: Partial<Record<ErrorCode, string>> = {
  invalid_request: "Fix the arguments named in `errors` and call again.",
  insufficient_scope: "This token may not do this; ask its owner for a token with the scope named.",
  forbidden: "This token may not do this; ask its owner for a token whose grants cover it.",
  policy_denied:
    "Change the spec so the create policy allows it (no privileged mode, no host binds or host network), or ask for a token whose `policy` grants cover it.",
  host_not_found: "Call list_hosts for the hosts this token may use.",
  container_not_found: "Call list_containers (with `all: true`) for the containers of that host.",
  image_not_found: "Check the image name and tag, or call pull_image first.",
  run_not_found: "Call list_runs for the runs this token may see.",
  volume_not_found: "Call list_volumes for that host's volumes.",
  network_not_found: "Call list_networks for that host's networks.",
  conflict: "The object is not in a state for this (a stopped container, a name taken): inspect it first.",
  too_many_requests: "Wait for one of this token's runs, execs or streams to end, then call again.",
  host_unavailable: "The host is down: try another host from list_hosts, or later.",
  host_timeout: "The host did not answer in time: try again later or another host.",
  no_host_available: "No host matches `hostSelector`: loosen the labels, or name a `host` from list_hosts.",
  registry_auth_failed:
    "The registry refused the credentials: pass `registryAuth`, or ask an admin to store them.",
  build_failed: "A build step failed: fix the Dockerfile step the detail names.",
  idempotency_key_reuse: "Use a new idempotency key for a different request.",
};

export type ToolFailure = {
  isError: true;
  content: Array<{ type: "text"; text: string }>;
};

/** Any failure of a call as the ApiError a client may see: nothing of a raw error's message escapes. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(
    "internal_error",
    "An unexpected error occurred; the request id identifies it in the server log.",
    { cause: error },
  );
}

/**
 * A failed call as a tool result (never a protocol error: the model reads it and can act on it): the code
 * and detail first, what would make it succeed next, then the whole problem document as JSON.
 */
export function toolFailure(error: ApiError, requestId: string): ToolFailure {
  const problem = problemOf(error, requestId);
  const next = NEXT_STEP[error.code];
  const text = `${error.code}: ${error.message}${next ? `\nTo succeed: ${next}` : ""}`;
  return {
    isError: true,
    content: [
      { type: "text", text },
      { type: "text", text: JSON.stringify({ ...problem, ...(next ? { nextStep: next } : {}) }) },
    ],
  };
}
