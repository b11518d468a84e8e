import { ApiError } from "../errors/api-error.js";
import type { CallOptions } from "./call-options.js";
import { toApiError } from "./docker-errors.js";

/** Engine API versions portcall speaks; a newer daemon is spoken to at MAX, as the docker CLI does. */
const MIN_API_VERSION = "1.40";
const MAX_API_VERSION = "1.47";

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** `promise`, or a rejection as soon as `signal` aborts (the work behind the promise goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

type Negotiation = { promise: Promise<string>; controller: AbortController; waiters: number };

export type VersionSource = {
  hostId: string;
  /** Asks the daemon for the highest version it offers, within `options`' deadline and signal. */
  offered(options: CallOptions): Promise<string>;
  /** Told the version chosen, before any caller waiting for it goes on. */
  chosen(apiVersion: string): void;
};

/**
 * The Engine API version spoken to one host, asked once per connection (`/version` is not free). Callers share
 * one request; each stops waiting when its own client leaves, and the request itself is dropped once nobody
 * waits for it any more.
 */
export class ApiVersionNegotiation {
  private negotiated: string | undefined;
  private negotiation: Negotiation | undefined;

  constructor(private readonly source: VersionSource) {}

  /** The version, once a negotiation succeeded; until then the host has not answered as a daemon. */
  get settled(): string | undefined {
    return this.negotiated;
  }

  async resolve(options: CallOptions): Promise<string> {
    if (this.negotiated) return this.negotiated;
    const negotiation = this.negotiation ?? this.start(options);
    negotiation.waiters += 1;
    try {
      return await untilAborted(negotiation.promise, options.signal);
    } catch (error) {
      if (options.signal?.aborted)
        throw toApiError(error, { hostId: this.source.hostId, deadlineMs: 0, abortedBy: "client" });
      throw error;
    } finally {
      negotiation.waiters -= 1;
      if (negotiation.waiters === 0 && !this.negotiated) negotiation.controller.abort();
    }
  }

  private start(options: CallOptions): Negotiation {
    const controller = new AbortController();
    const negotiation = {
      controller,
      waiters: 0,
      promise: this.source
        .offered({ timeoutMs: options.timeoutMs, signal: controller.signal })
        .then((offered) => this.choose(offered)),
    };
    this.negotiation = negotiation;
    negotiation.promise
      .then(
        (chosen) => {
          this.negotiated = chosen;
        },
        () => {},
      )
      .finally(() => {
        if (this.negotiation === negotiation) this.negotiation = undefined;
      });
    return negotiation;
  }

  private choose(offered: string): string {
    if (compareVersions(offered, MIN_API_VERSION) < 0) {
      throw new ApiError(
        "host_error",
        `Host "${this.source.hostId}" speaks Engine API ${offered}; portcall needs ${MIN_API_VERSION} or newer.`,
      );
    }
    const chosen = compareVersions(offered, MAX_API_VERSION) > 0 ? MAX_API_VERSION : offered;
    this.source.chosen(chosen);
    return chosen;
  }
}
