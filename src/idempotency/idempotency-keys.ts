import { createHash } from "node:crypto";
import { ApiError } from "../errors/api-error.js";
import type { IdempotencyStore, KeptResponse, KeyScope } from "../store/ports/idempotency.js";

// Where callers of `once` have always found the type of the answer they hand it.
export type { KeptResponse };

const DAY_MS = 24 * 60 * 60 * 1000;

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A digest that is equal for equal JSON values, whatever the order of their keys. */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(canonical(value)).digest("hex");
}

/**
 * `Idempotency-Key` bookkeeping: the first request with a key does the work and its successful answer is kept
 * for a day; later requests with the same key and the same input get that answer again, with other input a
 * 422. A request arriving while the first is still at work waits for it, so one key makes one container.
 * A failed first request keeps nothing: retrying it with the same key does the work again.
 */
export class IdempotencyKeys {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly store: IdempotencyStore,
    private readonly ttlMs = DAY_MS,
  ) {}

  async once(
    scope: KeyScope,
    input: unknown,
    work: () => Promise<KeptResponse>,
  ): Promise<KeptResponse & { replayed: boolean }> {
    const slot = [scope.principal, scope.operation, scope.key].join("\0");
    for (let pending = this.inFlight.get(slot); pending; pending = this.inFlight.get(slot)) {
      await pending;
    }
    // Claimed with no await since the loop saw the slot free: a second request now waits above.
    let finished = () => {};
    this.inFlight.set(
      slot,
      new Promise<void>((resolve) => {
        finished = resolve;
      }),
    );
    try {
      return await this.claimed(scope, fingerprint(input), work);
    } finally {
      this.inFlight.delete(slot);
      finished();
    }
  }

  private async claimed(
    scope: KeyScope,
    hash: string,
    work: () => Promise<KeptResponse>,
  ): Promise<KeptResponse & { replayed: boolean }> {
    const now = new Date();
    await this.store.purgeExpired(now.toISOString());
    const kept = await this.store.find(scope);
    if (kept && kept.requestHash !== hash) {
      throw new ApiError(
        "idempotency_key_reuse",
        `The Idempotency-Key "${scope.key}" was first used with another request body; use a new key for a new request.`,
      );
    }
    if (kept?.response) return { ...kept.response, replayed: true };
    // A claim still pending here was left by a process that died mid-request: this request takes it over.
    if (kept) await this.store.release(scope);
    const claim = {
      requestHash: hash,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
    };
    // Only another process over the same store can have claimed it since: this one waits in `once`.
    if (!(await this.store.claim(scope, claim))) {
      throw new ApiError(
        "conflict",
        `A request with the Idempotency-Key "${scope.key}" is still being answered; retry once it was.`,
      );
    }
    let response: KeptResponse;
    try {
      response = await work();
    } catch (error) {
      await this.store.release(scope);
      throw error;
    }
    await this.store.complete(scope, response);
    return { ...response, replayed: false };
  }
}
