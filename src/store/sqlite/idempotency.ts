import type { Kysely } from "kysely";
import { claimRow, KyselyKeyClaims } from "../kysely-shared/idempotency-claims.js";
import type { KeyClaim, KeyScope } from "../ports/idempotency.js";
import { fromJson } from "./columns.js";
import { isDuplicateKey } from "./errors.js";
import type { SqliteSchema } from "./schema.js";

export class SqliteIdempotencyStore extends KyselyKeyClaims {
  constructor(private readonly db: Kysely<SqliteSchema>) {
    super(db);
  }

  async claim(scope: KeyScope, claim: KeyClaim): Promise<boolean> {
    try {
      await this.db.insertInto("idempotency_keys").values(claimRow(scope, claim)).execute();
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** The JSON text `complete` wrote; SQL null for a body kept as JSON null. */
  protected body(response: unknown): unknown {
    return typeof response === "string" ? fromJson<unknown>(response) : null;
  }
}
