import { ApiError } from "../errors/api-error.js";

export type HostHealth = {
  /** null until the host was tried once. */
  reachable: boolean | null;
  /** True once repeated failures made calls fail fast. */
  down: boolean;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  apiVersion: string | null;
  error: string | null;
};

/** The health of a host no call or probe has reached yet. */
export const UNKNOWN_HEALTH: HostHealth = Object.freeze({
  reachable: null,
  down: false,
  lastCheckedAt: null,
  latencyMs: null,
  apiVersion: null,
  error: null,
});

const TRANSPORT_FAILURES = new Set(["host_unavailable", "host_timeout"]);

export type BreakerSettings = {
  hostId: string;
  failureThreshold: number;
  retryIntervalMs: number;
};

/**
 * One host's health and its circuit breaker: after `failureThreshold` transport failures in a row, calls fail
 * at once for `retryIntervalMs` instead of each waiting out its deadline on a host that is not there.
 */
export class HostBreaker {
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  private health: HostHealth = { ...UNKNOWN_HEALTH };
  /** When the last success was, kept as a number: every call succeeds, and few ask for the time as text. */
  private succeededAt: number | undefined;

  constructor(private readonly settings: BreakerSettings) {}

  status(): HostHealth {
    const health = { ...this.health };
    if (this.succeededAt !== undefined) health.lastCheckedAt = new Date(this.succeededAt).toISOString();
    return health;
  }

  /** Throws `host_unavailable` while the host is down and not yet due to be tried again. */
  refuseWhileDown(): void {
    if (this.health.down && Date.now() < this.retryAt) {
      throw new ApiError(
        "host_unavailable",
        `Host "${this.settings.hostId}" is down (${this.health.error ?? "it stopped answering"}); it is tried again shortly.`,
      );
    }
  }

  apiVersionChosen(apiVersion: string): void {
    this.health.apiVersion = apiVersion;
  }

  succeeded(update: { latencyMs?: number }): void {
    this.failures = 0;
    this.succeededAt = Date.now();
    const { health } = this;
    // The common case, a call to a host that is up, changes nothing else.
    if (health.reachable === true && !health.down && health.error === null && update.latencyMs === undefined)
      return;
    this.health = {
      ...health,
      reachable: true,
      down: false,
      latencyMs: update.latencyMs ?? health.latencyMs,
      error: null,
    };
  }

  /** Only transport failures count against the host; a 404 says nothing about it. `force`: a probe's do. */
  failed(error: unknown, { force }: { force: boolean }): void {
    const apiError = error instanceof ApiError ? error : undefined;
    if (!force && !(apiError && TRANSPORT_FAILURES.has(apiError.code))) return;
    // Calls cut by our own close() failed because of us, not because of the host.
    if (this.closed) return;
    this.failures += 1;
    const down = this.failures >= this.settings.failureThreshold;
    if (down) this.retryAt = Date.now() + this.settings.retryIntervalMs;
    this.succeededAt = undefined;
    this.health = {
      ...this.health,
      reachable: false,
      down,
      lastCheckedAt: new Date().toISOString(),
      latencyMs: null,
      error: apiError?.message ?? "the host could not be reached",
    };
  }

  close(): void {
    this.closed = true;
  }
}
