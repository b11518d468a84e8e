import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import {
  anyRevoked,
  chainOf,
  KyselyTokens,
  linkAncestors,
  type StandingRow,
  scopesOf,
  stampRevoked,
  standingQuery,
  tokenRow,
  toStanding,
} from "../kysely-shared/tokens.js";
import type { TokenRecord, TokenStanding } from "../ports/tokens.js";
import { fromJson } from "./columns.js";
import type { SqliteSchema, TokensTable } from "./schema.js";

function fromRow(row: TokensTable): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    scopes: scopesOf(row.scope),
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
export class SqliteTokenStore extends KyselyTokens {
  private readonly standingStatement: SQLite.Statement<[string], StandingRow>;

  /** `database` is the connection under `db`: the standing read is a statement prepared on it once. */
  constructor(
    private readonly db: Kysely<SqliteSchema>,
    database: SQLite.Database,
  ) {
    super(db);
    this.standingStatement = database.prepare(standingQuery(db).sql);
  }

  /**
   * The same read as the shared one, as a statement prepared once instead of compiled and prepared per request.
   * It runs beside Kysely's lock on the one connection, which is safe for this read: every revoke is one
   * statement, and the only transaction that writes `tokens` (insert) adds a row no caller holds yet.
   */
  override async standing(id: string): Promise<TokenStanding> {
    return toStanding(this.standingStatement.get(id));
  }

  /**
   * The token row is written first, so the transaction holds SQLite's write lock while it then checks the
   * chain: a revoke either committed before (the check sees it) or comes after (its update reaches this row).
   */
  async insert(record: TokenRecord, parent: string | null): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto("tokens").values(tokenRow(record)).execute();
        if (parent === null) return;
        const ancestors = await chainOf(trx, parent);
        await linkAncestors(trx, record.id, ancestors);
        if (await anyRevoked(trx, ancestors)) throw new ChainRevoked();
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
  revoke(id: string, at: string): Promise<string[]> {
    return stampRevoked(this.db, id, at);
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
