import type { ColumnType, ExpressionBuilder, Kysely } from "kysely";
import type { IdempotencyStore, KeptResponse, KeyClaim, KeyRecord, KeyScope } from "../ports/idempotency.js";

/**
 * The columns of `idempotency_keys` the statements below use, as both stores declare them: the statements are
 * plain Kysely, the same SQL in SQLite and PostgreSQL. How a kept answer's JSON comes back, and how claiming
 * a key claimed already shows, differ by dialect and stay in each store.
 */
type ClaimsSchema = {
  idempotency_keys: {
    principal: string;
    operation: string;
    key: string;
    request_hash: string;
    status: number | null;
    response: ColumnType<unknown, string | null, string | null>;
    location: string | null;
    expires_at: string;
    lease_until: string | null;
    owner: string | null;
  };
};

type Where = ExpressionBuilder<ClaimsSchema, "idempotency_keys">;

const sameKey = (scope: KeyScope) => (eb: Where) =>
  eb.and({ principal: scope.principal, operation: scope.operation, key: scope.key });

/** The claim `owner` made and still holds, not yet answered. */
const ownedPending = (scope: KeyScope, owner: string) => (eb: Where) =>
  eb.and([sameKey(scope)(eb), eb("owner", "=", owner), eb("status", "is", null)]);

/** The row of a new claim, not yet answered. */
export const claimRow = (scope: KeyScope, claim: KeyClaim) => ({
  ...scope,
  request_hash: claim.requestHash,
  status: null,
  response: null,
  location: null,
  created_at: claim.createdAt,
  expires_at: claim.expiresAt,
  lease_until: claim.leaseUntil,
  owner: claim.owner,
});

/** Marks the key answered: `status` and `location` once held the HTTP answer's, and are kept for old rows. */
const ANSWERED = 200;

/** What both stores' idempotency keys do alike; each adds how it claims a key and reads a kept answer. */
export abstract class KyselyKeyClaims implements IdempotencyStore {
  constructor(private readonly keys: Kysely<ClaimsSchema>) {}

  abstract claim(scope: KeyScope, claim: KeyClaim): Promise<boolean>;

  /** The kept answer's body, from the `response` column as this store's driver reads it back. */
  protected abstract body(response: unknown): unknown;

  async find(scope: KeyScope): Promise<KeyRecord | undefined> {
    const row = await this.keys
      .selectFrom("idempotency_keys")
      .select(["request_hash", "status", "response", "lease_until"])
      .where(sameKey(scope))
      .executeTakeFirst();
    if (!row) return undefined;
    // The status is set with the answer; a claim still being answered has none.
    const response = row.status === null ? null : { body: this.body(row.response) };
    return { requestHash: row.request_hash, response, leaseUntil: response ? null : row.lease_until };
  }

  async renew(scope: KeyScope, owner: string, leaseUntil: string): Promise<boolean> {
    const result = await this.keys
      .updateTable("idempotency_keys")
      .set({ lease_until: leaseUntil })
      .where(ownedPending(scope, owner))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async releaseLapsed(scope: KeyScope, now: string): Promise<boolean> {
    const result = await this.keys
      .deleteFrom("idempotency_keys")
      .where(sameKey(scope))
      .where("status", "is", null)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async complete(scope: KeyScope, owner: string, response: KeptResponse): Promise<boolean> {
    const result = await this.keys
      .updateTable("idempotency_keys")
      .set({ status: ANSWERED, response: JSON.stringify(response.body), location: null, lease_until: null })
      .where(ownedPending(scope, owner))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async release(scope: KeyScope, owner: string): Promise<void> {
    await this.keys.deleteFrom("idempotency_keys").where(ownedPending(scope, owner)).execute();
  }

  async purgeExpired(now: string): Promise<void> {
    await this.keys.deleteFrom("idempotency_keys").where("expires_at", "<", now).execute();
  }
}
