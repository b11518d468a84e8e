import type { Kysely } from "kysely";
import { isScope } from "../../auth/scopes.js";
import type { TokenRecord, TokenStanding, TokenStore } from "../ports/tokens.js";
import { fromJson, toJson } from "./columns.js";
import type { SqliteSchema, TokensTable } from "./schema.js";

function toRow(record: TokenRecord): TokensTable {
  return {
    id: record.id,
    name: record.name,
    subject: record.subject,
    scope: record.scopes.join(" "),
    hosts: toJson(record.hosts),
    policy: toJson(record.policy),
    created_by: record.createdBy,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    revoked_at: record.revokedAt,
    last_used_at: record.lastUsedAt,
  };
}

function fromRow(row: TokensTable): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    // A scope an older or newer portcall wrote that this one does not know grants nothing here.
    scopes: row.scope.split(" ").filter(isScope),
    hosts: fromJson<string[]>(row.hosts),
    policy: fromJson<Record<string, unknown>>(row.policy),
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Thrown inside the insert's transaction to roll it back. */
class ChainRevoked extends Error {}

/** Tokens, with their chains in `token_ancestors` (one row per token and ancestor) so both ways are an index. */
export class SqliteTokenStore implements TokenStore {
  constructor(private readonly db: Kysely<SqliteSchema>) {}

  /**
   * The token row is written first, so the transaction holds SQLite's write lock while it then checks the
   * chain: a revoke either committed before (the check sees it) or comes after (its update reaches this row).
   */
  async insert(record: TokenRecord, parent: string | null): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto("tokens").values(toRow(record)).execute();
        if (parent === null) return;
        const inherited = await trx
          .selectFrom("token_ancestors")
          .select("ancestor_id")
          .where("token_id", "=", parent)
          .execute();
        const ancestors = [parent, ...inherited.map((entry) => entry.ancestor_id)];
        await trx
          .insertInto("token_ancestors")
          .values(ancestors.map((ancestor) => ({ token_id: record.id, ancestor_id: ancestor })))
          .execute();
        const revoked = await trx
          .selectFrom("tokens")
          .select("id")
          .where("id", "in", ancestors)
          .where("revoked_at", "is not", null)
          .executeTakeFirst();
        if (revoked) throw new ChainRevoked();
      });
      return true;
    } catch (error) {
      if (error instanceof ChainRevoked) return false;
      throw error;
    }
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom("tokens").selectAll().where("id", "=", id).executeTakeFirst();
    return row && fromRow(row);
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom("tokens").selectAll().orderBy("created_at", "desc").execute();
    return rows.map(fromRow);
  }

  /** One statement, so a token minted meanwhile is caught either here or by the check in `insert`. */
  async revoke(id: string, at: string): Promise<string[]> {
    const stamped = await this.db
      .updateTable("tokens")
      .set({ revoked_at: at })
      .where("revoked_at", "is", null)
      .where((eb) =>
        eb.or([
          eb("id", "=", id),
          eb("id", "in", eb.selectFrom("token_ancestors").select("token_id").where("ancestor_id", "=", id)),
        ]),
      )
      .returning("id")
      .execute();
    return stamped.map((entry) => entry.id);
  }

  async standing(id: string): Promise<TokenStanding> {
    const row = await this.db
      .selectFrom("tokens")
      .select((eb) => [
        "tokens.revoked_at",
        eb
          .exists(
            eb
              .selectFrom("token_ancestors")
              .innerJoin("tokens as ancestor", "ancestor.id", "token_ancestors.ancestor_id")
              .select("ancestor.id")
              .whereRef("token_ancestors.token_id", "=", "tokens.id")
              .where("ancestor.revoked_at", "is not", null),
          )
          .as("ancestorRevoked"),
      ])
      .where("tokens.id", "=", id)
      .executeTakeFirst();
    if (!row) return "unknown";
    if (row.revoked_at) return "revoked";
    // SQLite answers EXISTS with 0 or 1.
    return row.ancestorRevoked ? "ancestor_revoked" : "active";
  }

  async recordUse(uses: ReadonlyArray<readonly [id: string, at: string]>): Promise<void> {
    if (uses.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const [id, at] of uses) {
        await trx.updateTable("tokens").set({ last_used_at: at }).where("id", "=", id).execute();
      }
    });
  }
}
