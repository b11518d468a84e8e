import { createHash } from "node:crypto";
import type { ExpressionBuilder, Kysely } from "kysely";
import { ApiError } from "../errors/api-error.js";
import type { StoreSchema } from "../store/schema.js";

/** The answer a key stands for, replayed as it was first given. */
export type KeptResponse = { status: number; body: unknown; location: string | null };

export type KeyScope = { principal: string; operation: string; key: string };

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
    private readonly db: Kysely<StoreSchema>,
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
    await this.db.deleteFrom("idempotency_keys").where("expires_at", "<", now.toISOString()).execute();
    const sameKey = (eb: ExpressionBuilder<StoreSchema, "idempotency_keys">) =>
      eb.and({ principal: scope.principal, operation: scope.operation, key: scope.key });
    const forget = () => this.db.deleteFrom("idempotency_keys").where(sameKey).execute();
    const row = await this.db.selectFrom("idempotency_keys").selectAll().where(sameKey).executeTakeFirst();
    if (row && row.request_hash !== hash) {
      throw new ApiError(
        "idempotency_key_reuse",
        `The Idempotency-Key "${scope.key}" was first used with another request body; use a new key for a new request.`,
      );
    }
    if (row?.status != null) {
      const body: unknown = row.response === null ? null : JSON.parse(row.response);
      return { status: row.status, body, location: row.location, replayed: true };
    }
    // A row still pending here was left by a process that died mid-request: this request takes it over.
    if (row) await forget();
    await this.db
      .insertInto("idempotency_keys")
      .values({
        ...scope,
        request_hash: hash,
        status: null,
        response: null,
        location: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + this.ttlMs).toISOString(),
      })
      .execute();
    let kept: KeptResponse;
    try {
      kept = await work();
    } catch (error) {
      await forget();
      throw error;
    }
    await this.db
      .updateTable("idempotency_keys")
      .set({ status: kept.status, response: JSON.stringify(kept.body), location: kept.location })
      .where(sameKey)
      .execute();
    return { ...kept, replayed: false };
  }
}
