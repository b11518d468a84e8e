import type { Kysely } from "kysely";
import { claimRow, KyselyKeyClaims } from "../kysely-shared/idempotency-claims.js";
import type { KeyClaim, KeyScope } from "../ports/idempotency.js";
import type { PostgresSchema } from "./schema.js";

export class PostgresIdempotencyStore extends KyselyKeyClaims {
  constructor(private readonly db: Kysely<PostgresSchema>) {
    super(db);
  }

  async claim(scope: KeyScope, claim: KeyClaim): Promise<boolean> {
    const claimed = await this.db
      .insertInto("idempotency_keys")
      .values(claimRow(scope, claim))
      .onConflict((oc) => oc.columns(["principal", "operation", "key"]).doNothing())
      .returning("key")
      .executeTakeFirst();
    return claimed !== undefined;
  }

  /** pg hands the `json` column back parsed; SQL null and a kept JSON null both read as null. */
  protected body(response: unknown): unknown {
    return response ?? null;
  }
}
