import type { Context } from "hono";
import { principalOf } from "../auth/authenticate.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors/api-error.js";

/** What a token may have going at once: runs until they finish, exec calls, and open event/log streams. */
export type LimitKind = "runs" | "exec" | "streams";
export type ConcurrencyLimits = Record<LimitKind, number>;

/** How long a refused client should wait: a run lasts long, an exec or a stream is usually short. */
const RETRY_AFTER_SECONDS: Record<LimitKind, number> = { runs: 5, exec: 1, streams: 1 };

const NOUNS: Record<LimitKind, string> = { runs: "runs", exec: "exec calls", streams: "open streams" };

/** Counts, per token, what it holds; in memory, as a slot means nothing once this process is gone. */
export class ConcurrencyLimiter {
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: ConcurrencyLimits) {}

  /** Takes a slot or throws 429; the returned function gives it back and is safe to call more than once. */
  acquire(tokenId: string, kind: LimitKind): () => void {
    const key = `${kind}\0${tokenId}`;
    const count = this.held.get(key) ?? 0;
    const limit = this.limits[kind];
    if (count >= limit) {
      const retryAfter = RETRY_AFTER_SECONDS[kind];
      throw new ApiError(
        "too_many_requests",
        `This token already has ${count} ${NOUNS[kind]} going, its limit; try again when one has ended.`,
        { headers: { "Retry-After": String(retryAfter) } },
      );
    }
    return this.occupy(tokenId, kind);
  }

  /**
   * Takes a slot whatever the limit: for what is going already, such as the runs a restarted portcall finds
   * still running, which count against their token as they did before.
   */
  occupy(tokenId: string, kind: LimitKind): () => void {
    const key = `${kind}\0${tokenId}`;
    this.held.set(key, (this.held.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    };
  }

  inUse(tokenId: string, kind: LimitKind): number {
    return this.held.get(`${kind}\0${tokenId}`) ?? 0;
  }
}

/** A slot of the calling token's. */
export function acquireSlot(c: Context<AppEnv>, kind: LimitKind): () => void {
  return c.get("services").limits.acquire(principalOf(c).tokenId, kind);
}
