import { ApiError } from "../errors/api-error.js";

/** What the failed call was about, so a daemon 404 can say which thing is missing. */
export type CallTarget = {
  kind: "container" | "image" | "volume" | "network" | "service" | "node";
  ref: string;
};

export type CallContext = {
  hostId: string;
  target?: CallTarget;
  /** Which of the call's signals fired, if any: ours (deadline) or the client's (went away). */
  abortedBy?: "deadline" | "client" | "shutdown";
  deadlineMs: number;
  /** What the transport itself knows of its last failure (an SSH tunnel's handshake error). */
  transportDetail?: string;
  /**
   * Say only "unreachable", whatever failed: set for a host a non-admin pointed portcall at that has not yet
   * answered as a Docker daemon, so that refused, reset, timed out, "speaks TLS" and "some other service's
   * error page" read alike and registering hosts cannot map which ports are open where, or read what is there.
   */
  opaque?: boolean;
};

// docker-modem errors carry the daemon's status and JSON body; socket errors carry a Node `code`.
export type ModemError = Error & { statusCode?: number; json?: unknown; code?: string };

const CONNECTION_FAULTS: Record<string, string> = {
  ECONNREFUSED: "the connection was refused (is the daemon running?)",
  ENOENT: "its socket does not exist (is the daemon running?)",
  EACCES: "permission to its socket was denied",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  EHOSTUNREACH: "its address is unreachable",
  ENETUNREACH: "its network is unreachable",
  ENOTFOUND: "its name does not resolve",
  EAI_AGAIN: "its name could not be resolved",
  ETIMEDOUT: "the connection timed out",
};

// Node's TLS errors: a certificate the client refuses, or an alert from a server that refuses ours.
const TLS_FAULT = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

const MAX_DAEMON_MESSAGE = 500;

/** A daemon's error body as text: its `message` (or `error`) when a string, else the body itself as JSON. */
function describeBody(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString("utf8");
  if (typeof body !== "object" || body === null) return String(body);
  const { message, error } = body as { message?: unknown; error?: unknown };
  if (typeof message === "string" && message) return message;
  if (typeof error === "string" && error) return error;
  const json = JSON.stringify(body);
  return json === "{}" || json === "[]" ? "" : json;
}

/**
 * The daemon's own message. docker-modem puts the JSON body in `json` for plain calls, but for streaming calls
 * (pull, logs) only inside its message text: "(HTTP code 500) server error - <message> ".
 */
export function daemonMessage(error: ModemError): string {
  const fromJson = error.json === undefined || error.json === null ? "" : describeBody(error.json);
  const text = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(error.message ?? "")?.[1] ?? "";
  // docker-modem writes a body object without a string `message` into its text as "[object Object]"; for a
  // streaming call that text is all there is, and it says nothing.
  const fromText = text.trim() === "[object Object]" ? "" : text;
  // Strip control characters so a daemon's message cannot forge lines in a log or a terminal.
  const cleaned = (fromJson || fromText).replace(/\p{Cc}+/gu, " ").trim();
  return cleaned.length > MAX_DAEMON_MESSAGE ? `${cleaned.slice(0, MAX_DAEMON_MESSAGE)}…` : cleaned;
}

function notFound(context: CallContext): ApiError | undefined {
  if (context.target?.kind === "container") {
    return new ApiError(
      "container_not_found",
      `Container "${context.target.ref}" does not exist on host "${context.hostId}".`,
    );
  }
  if (context.target?.kind === "volume" || context.target?.kind === "network") {
    const code = context.target.kind === "volume" ? "volume_not_found" : "network_not_found";
    return new ApiError(
      code,
      `No ${context.target.kind} "${context.target.ref}" on host "${context.hostId}".`,
    );
  }
  if (context.target?.kind === "service" || context.target?.kind === "node") {
    const [code, what] =
      context.target.kind === "service"
        ? (["service_not_found", "service"] as const)
        : (["node_not_found", "swarm node"] as const);
    return new ApiError(code, `No ${what} "${context.target.ref}" on host "${context.hostId}".`);
  }
  if (context.target?.kind === "image") {
    return new ApiError(
      "image_not_found",
      `Image "${context.target.ref}" is not on host "${context.hostId}".`,
    );
  }
  return undefined;
}

/** Turns anything dockerode or the socket threw into one of our errors; raw errors never reach a client. */
export function toApiError(error: unknown, context: CallContext): ApiError {
  if (error instanceof ApiError) return error;
  const host = `Host "${context.hostId}"`;
  // Any answer counts as "unreachable" until the host has answered as a Docker daemon: an HTTPS service that
  // is not one would otherwise show its error bodies to whoever registered its address.
  if (context.opaque && context.abortedBy !== "client" && context.abortedBy !== "shutdown") {
    return new ApiError("host_unavailable", `${host} is unreachable.`, { cause: error });
  }
  if (context.abortedBy === "deadline") {
    return new ApiError("host_timeout", `${host} did not answer within ${context.deadlineMs} ms.`, {
      cause: error,
    });
  }
  if (context.abortedBy) {
    return new ApiError("host_unavailable", `The call to ${host} was cancelled (${context.abortedBy}).`, {
      cause: error,
    });
  }
  const modemError = error as ModemError;
  if (typeof modemError?.statusCode === "number") {
    const status = modemError.statusCode;
    const message = daemonMessage(modemError);
    if (status === 404) {
      const specific = notFound(context);
      if (specific) return new ApiError(specific.code, specific.message, { cause: error });
    }
    // Swarm calls on a worker or a daemon outside a swarm, should one slip past the check of /info.
    if (status === 503 && /swarm/i.test(message)) {
      return new ApiError("not_a_swarm_manager", `${host} is not a Swarm manager: ${message}`, {
        cause: error,
      });
    }
    if (status === 409) {
      return new ApiError("conflict", `${host} refused: ${message || "conflict"}`, { cause: error });
    }
    if (status === 400) {
      return new ApiError("invalid_request", `${host} rejected the request: ${message || "bad parameter"}`, {
        cause: error,
      });
    }
    return new ApiError("host_error", `${host} answered HTTP ${status}${message ? `: ${message}` : ""}.`, {
      cause: error,
    });
  }
  const code = modemError?.code ?? "";
  const fault = TLS_FAULT.test(code) ? `the TLS handshake failed (${code})` : CONNECTION_FAULTS[code];
  if (fault) {
    const detail = context.transportDetail ? `; ${context.transportDetail}` : "";
    return new ApiError("host_unavailable", `${host} is unavailable: ${fault}${detail}.`, { cause: error });
  }
  if (context.transportDetail) {
    return new ApiError("host_unavailable", `${host} is unavailable: ${context.transportDetail}.`, {
      cause: error,
    });
  }
  return new ApiError("host_error", `${host} could not be reached: the call failed unexpectedly.`, {
    cause: error,
  });
}
