import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError } from "../errors/api-error.js";
import { type Logger, silentLogger } from "../logging/logger.js";
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

export type IdempotencyOptions = {
  ttlMs: number;
  /** How long a claim holds without renewal: a claimer that died is taken over after this. */
  leaseMs: number;
  /** How long a request waits for another process's claim of its key to be answered before a 409. */
  maxWaitMs: number;
  /** How often that wait looks again. */
  pollMs: number;
};

const DEFAULTS: IdempotencyOptions = {
  ttlMs: DAY_MS,
  leaseMs: 30_000,
  // As long as a run may hold its request open (PORTCALL_RUN_MAX_WAIT_SECONDS), and a little more.
  maxWaitMs: 16 * 60_000,
  pollMs: 250,
};

/**
 * `Idempotency-Key` bookkeeping: the first request with a key does the work and its successful answer is kept
 * for a day; later requests with the same key and the same input get that answer again, with other input a
 * 422. A request arriving while the first is still at work waits for it, in this process or in another over
 * the same store (the claim is a unique row, held under a lease its owner renews), so one key makes one
 * container. A failed first request keeps nothing: retrying it with the same key does the work again.
 *
 * Each claim carries a random owner token. A claimer that could not renew (its store went away for longer
 * than the lease) may be taken over; it then can no longer extend, answer or release the claim of who took
 * over. Its caller still gets its answer, but the key keeps the new owner's: the one the retry made.
 */
export class IdempotencyKeys {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly options: IdempotencyOptions;

  constructor(
    private readonly store: IdempotencyStore,
    options: Partial<IdempotencyOptions> = {},
    private readonly logger: Logger = silentLogger,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async once(
    scope: KeyScope,
    input: unknown,
    work: () => Promise<KeptResponse>,
    signal?: AbortSignal,
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
      return await this.claimed(scope, fingerprint(input), work, signal);
    } finally {
      this.inFlight.delete(slot);
      finished();
    }
  }

  private async claimed(
    scope: KeyScope,
    hash: string,
    work: () => Promise<KeptResponse>,
    signal: AbortSignal | undefined,
  ): Promise<KeptResponse & { replayed: boolean }> {
    const { ttlMs, leaseMs, maxWaitMs, pollMs } = this.options;
    const deadline = Date.now() + maxWaitMs;
    await this.store.purgeExpired(new Date().toISOString());
    for (;;) {
      const now = new Date();
      const kept = await this.store.find(scope);
      // A claim its owner stopped renewing was left by a process that died mid-request: the key is free again.
      if (kept && !kept.response && (await this.store.releaseLapsed(scope, now.toISOString()))) continue;
      if (kept && kept.requestHash !== hash) {
        throw new ApiError(
          "idempotency_key_reuse",
          `The Idempotency-Key "${scope.key}" was first used with another request body; use a new key for a new request.`,
        );
      }
      if (kept?.response) return { ...kept.response, replayed: true };
      if (kept) {
        // Another process is answering it: wait for its answer.
        if (Date.now() >= deadline) {
          throw new ApiError(
            "conflict",
            `A request with the Idempotency-Key "${scope.key}" is still being answered; retry once it was.`,
          );
        }
        await sleep(pollMs, undefined, signal ? { signal } : {});
        continue;
      }
      const claim = {
        owner: randomUUID(),
        requestHash: hash,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      };
      // Lost to another process that claimed it since the read: look again, and wait for its answer.
      if (!(await this.store.claim(scope, claim))) continue;
      return { ...(await this.answer(scope, claim.owner, work)), replayed: false };
    }
  }

  /** Does the work under the claim, renewing its lease meanwhile; keeps the answer, or forgets the key. */
  private async answer(
    scope: KeyScope,
    owner: string,
    work: () => Promise<KeptResponse>,
  ): Promise<KeptResponse> {
    const { leaseMs } = this.options;
    const where = { operation: scope.operation, key: scope.key };
    const renewal = setInterval(() => {
      this.store.renew(scope, owner, new Date(Date.now() + leaseMs).toISOString()).then(
        (held) => {
          if (held) return;
          // Taken over after the lease lapsed: renewing further would be no use.
          clearInterval(renewal);
          this.logger.warn("an idempotency claim was taken over while its request was answered", where);
        },
        (error: unknown) =>
          // Left to lapse if this goes on: another replica may then take the key over and do the work again.
          this.logger.warn("cannot renew an idempotency claim's lease", { ...where, error: describe(error) }),
      );
    }, leaseMs / 3);
    let response: KeptResponse;
    try {
      response = await work();
    } catch (error) {
      clearInterval(renewal);
      // The work's failure is what the caller must see; a claim that could not be released lapses on its own.
      await this.store.release(scope, owner).catch((failure: unknown) => {
        this.logger.warn("cannot release an idempotency claim", { ...where, error: describe(failure) });
      });
      throw error;
    }
    clearInterval(renewal);
    if (!(await this.store.complete(scope, owner, response))) {
      this.logger.warn(
        "an idempotency claim was taken over before its answer was kept: this answer is not replayed",
        where,
      );
    }
    return response;
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
