/**
 * The closed list of error codes a client can see. A code is a contract: clients branch on it,
 * so codes are only ever added, never renamed or given another status.
 */
export const ERRORS = {
  invalid_request: { status: 400, title: "The request is invalid" },
  invalid_token: { status: 401, title: "Authentication required" },
  registry_auth_failed: { status: 401, title: "The registry refused the credentials" },
  insufficient_scope: { status: 403, title: "The token lacks the scope this operation needs" },
  forbidden: { status: 403, title: "The token may not do this" },
  not_found: { status: 404, title: "No such route" },
  host_not_found: { status: 404, title: "No such host" },
  container_not_found: { status: 404, title: "No such container" },
  image_not_found: { status: 404, title: "No such image" },
  volume_not_found: { status: 404, title: "No such volume" },
  network_not_found: { status: 404, title: "No such network" },
  registry_not_found: { status: 404, title: "No credentials for this registry" },
  token_not_found: { status: 404, title: "No such token" },
  run_not_found: { status: 404, title: "No such run" },
  service_not_found: { status: 404, title: "No such service" },
  node_not_found: { status: 404, title: "No such swarm node" },
  conflict: { status: 409, title: "The request conflicts with the current state" },
  host_exists: { status: 409, title: "A host with this id is already registered" },
  host_read_only: { status: 409, title: "The host is managed by the hosts file" },
  not_a_swarm_manager: { status: 409, title: "The host is not a Swarm manager" },
  policy_denied: { status: 403, title: "The container policy does not allow this" },
  no_host_available: { status: 409, title: "No permitted, reachable host matches the selector" },
  idempotency_key_reuse: { status: 422, title: "The idempotency key was used with another request" },
  too_many_requests: { status: 429, title: "The subject has too much going at once" },
  build_failed: { status: 422, title: "The image build failed" },
  payload_too_large: { status: 413, title: "The request body is too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  internal_error: { status: 500, title: "Internal error" },
  host_error: { status: 502, title: "The Docker host gave an unexpected answer" },
  host_unavailable: { status: 503, title: "The Docker host is unavailable" },
  host_timeout: { status: 504, title: "The Docker host did not answer in time" },
} as const;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorStatus = (typeof ERRORS)[ErrorCode]["status"];
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** Every way a call that reaches a Docker host can fail, besides its own input. */
export const HOST_CALL_ERRORS = [
  "invalid_request",
  "host_not_found",
  "internal_error",
  "host_error",
  "host_unavailable",
  "host_timeout",
] as const satisfies readonly ErrorCode[];

// `argument`: a tool argument of an MCP call, which has no HTTP part.
export const FIELD_LOCATIONS = ["param", "query", "header", "json", "form", "cookie", "argument"] as const;
export type FieldError = { location: (typeof FIELD_LOCATIONS)[number]; path: string; message: string };
/** Why placement passed a host over. */
export type HostReason = { host: string; reason: string };

/** The one error type routes and adapters throw; `onError` turns it into problem+json. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly errors: FieldError[] | undefined;
  readonly hosts: HostReason[] | undefined;
  /** Extra response headers, such as the `WWW-Authenticate` challenge of a 401 or 403. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    options: {
      errors?: FieldError[];
      hosts?: HostReason[];
      cause?: unknown;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = options.errors;
    this.hosts = options.hosts;
    this.headers = options.headers;
  }
}
