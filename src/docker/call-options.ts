/** What a caller may set on any one call to a host; every resource module takes it. */
export type CallOptions = {
  /** The client's request signal: when the client goes away, the daemon call is dropped too. */
  signal?: AbortSignal;
  /** A shorter deadline than the host's default, e.g. for probes. */
  timeoutMs?: number;
};

/** A call that also waits for something to finish: a client signal it must have, to end it when it leaves. */
export type StreamOptions = CallOptions & { signal: AbortSignal };
