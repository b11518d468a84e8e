import type { ExpressionBuilder, Kysely } from "kysely";
import type { IdempotencyStore, KeptResponse, KeyClaim, KeyRecord, KeyScope } from "../ports/idempotency.js";
import { fromJson, toJson } from "./columns.js";
import { isDuplicateKey } from "./errors.js";
import type { SqliteSchema } from "./schema.js";

const sameKey = (scope: KeyScope) => (eb: ExpressionBuilder<SqliteSchema, "idempotency_keys">) =>
  eb.and({ principal: scope.principal, operation: scope.operation, key: scope.key });

const ANSWERED = 200;

export class SqliteIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Kysely<SqliteSchema>) {}

  async find(scope: KeyScope): Promise<KeyRecord | undefined> {
    const row = await this.db
      .selectFrom("idempotency_keys")
      .select(["request_hash", "status", "response"])
      .where(sameKey(scope))
      .executeTakeFirst();
    if (!row) return undefined;
    // The status is set with the answer; a claim still being answered has none.
    const response =
      row.status === null ? null : { body: row.response === null ? null : fromJson<unknown>(row.response) };
    return { requestHash: row.request_hash, response };
  }

  async claim(scope: KeyScope, claim: KeyClaim): Promise<boolean> {
    try {
      await this.db
        .insertInto("idempotency_keys")
        .values({
          ...scope,
          request_hash: claim.requestHash,
          status: null,
          response: null,
          location: null,
          created_at: claim.createdAt,
          expires_at: claim.expiresAt,
        })
        .execute();
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async complete(scope: KeyScope, response: KeptResponse): Promise<void> {
    await this.db
      .updateTable("idempotency_keys")
      // `status` and `location` once held the HTTP answer's; now `status` only marks the key answered.
      .set({ status: ANSWERED, response: toJson(response.body), location: null })
      .where(sameKey(scope))
      .execute();
  }

  async release(scope: KeyScope): Promise<void> {
    await this.db.deleteFrom("idempotency_keys").where(sameKey(scope)).execute();
  }

  async purgeExpired(now: string): Promise<void> {
    await this.db.deleteFrom("idempotency_keys").where("expires_at", "<", now).execute();
  }
}
