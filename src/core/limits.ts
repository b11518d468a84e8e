import { type LimitKind, limitHolder } from "../limits/concurrency-limiter.js";
import type { Caller } from "./context.js";

/** Takes one of the calling subject's slots of `kind` (429 when none is left); the function gives it back. */
export function acquireSlot({ principal, services }: Caller, kind: LimitKind): () => void {
  return services.limits.acquire(limitHolder(principal), kind);
}
