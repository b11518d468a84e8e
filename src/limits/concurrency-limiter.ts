import type { Principal } from "../auth/principal.js";
import { ApiError } from "../errors/api-error.js";

/** What a subject may have going at once: runs until they finish, exec calls, and open event/log streams. */
export type LimitKind = "runs" | "exec" | "streams";
export type ConcurrencyLimits = Record<LimitKind, number>;

/** How long a refused client should wait: a run lasts long, an exec or a stream is usually short. */
const RETRY_AFTER_SECONDS: Record<LimitKind, number> = { runs: 5, exec: 1, streams: 1 };

const NOUNS: Record<LimitKind, string> = { runs: "runs", exec: "exec calls", streams: "open streams" };

/**
 * Who a slot counts against: the subject at its issuer. Not the token: any token with `tokens:write` mints
 * children of its own subject (see `TokenService.mint`), so a per-token count would multiply with each child.
 * The issuer keeps an OIDC subject apart from a portcall subject that happens to read the same.
 */
export function limitHolder(principal: Pick<Principal, "issuer" | "subject">): string {
  return `${principal.issuer}\0${principal.subject}`;
}

/** Counts, per holder, what it holds; in memory, as a slot means nothing once this process is gone. */
export class ConcurrencyLimiter {
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: ConcurrencyLimits) {}

  /** Takes a slot or throws 429; the returned function gives it back and is safe to call more than once. */
  acquire(holder: string, kind: LimitKind): () => void {
    const count = this.inUse(holder, kind);
    if (count >= this.limits[kind]) {
      throw new ApiError(
        "too_many_requests",
        `The tokens of this subject already have ${count} ${NOUNS[kind]} going, their limit; try again when ` +
          "one has ended.",
        { headers: { "Retry-After": String(RETRY_AFTER_SECONDS[kind]) } },
      );
    }
    return this.occupy(holder, kind);
  }

  /**
   * Takes a slot whatever the limit: for what is going already, such as the runs a restarted portcall finds
   * still running, which count against their subject as they did before.
   */
  occupy(holder: string, kind: LimitKind): () => void {
    const key = `${kind}\0${holder}`;
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

  inUse(holder: string, kind: LimitKind): number {
    return this.held.get(`${kind}\0${holder}`) ?? 0;
  }
}
