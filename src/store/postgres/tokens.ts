import { type Kysely, sql, type Transaction } from "kysely";
import type pg from "pg";
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
import { ActiveTokens } from "./active-tokens.js";
import { queryOnConnection } from "./own-connection.js";
import type { PostgresSchema } from "./schema.js";
import type { TokenChangeFeed } from "./token-changes.js";

type Trx = Transaction<PostgresSchema>;

const RECORD_COLUMNS = [
  "id",
  "name",
  "subject",
  "scope",
  "hosts",
  "policy",
  "created_by as createdBy",
  "created_at as createdAt",
  "expires_at as expiresAt",
  "revoked_at as revokedAt",
  "last_used_at as lastUsedAt",
] as const;

function fromRow({ scope, ...row }: Omit<TokenRecord, "scopes"> & { scope: string }): TokenRecord {
  return { ...row, scopes: scopesOf(scope) };
}

/**
 * Writes that read the chains take this advisory lock shared, a revoke takes it alone. PostgreSQL, unlike
 * SQLite, lets writers overlap, and a revoke's update sees only what committed before it began: without the
 * lock a token minted below a revoke in flight would be missed by it and pass its own check too.
 */
const CHAINS_LOCK = sql`hashtext('portcall:token-chains')`;
const shareChains = (trx: Trx) => sql`select pg_advisory_xact_lock_shared(${CHAINS_LOCK})`.execute(trx);
const holdChains = (trx: Trx) => sql`select pg_advisory_xact_lock(${CHAINS_LOCK})`.execute(trx);

/** Tokens, with their chains in `token_ancestors` (one row per token and ancestor) so both ways are an index. */
export class PostgresTokenStore extends KyselyTokens {
  private readonly standingStatement: pg.QueryConfig<[string]>;
  private readonly active: ActiveTokens | undefined;
  private readonly feed: TokenChangeFeed | undefined;

  /**
   * `pool` is the pool under `db`: the standing read is a named statement on its connections. With a `feed`,
   * tokens read as active are kept while it is live and has heard no change since (see `ActiveTokens`).
   */
  constructor(
    private readonly db: Kysely<PostgresSchema>,
    private readonly pool: pg.Pool,
    feed?: TokenChangeFeed,
  ) {
    super(db);
    this.standingStatement = { name: "portcall_token_standing", text: standingQuery(db).sql };
    this.feed = feed;
    this.active = feed && new ActiveTokens(feed);
  }

  /**
   * The same read as the shared one, as a named statement: PostgreSQL parses and plans it once per connection
   * instead of on every request, which cut the read to about a third here (bench/scenarios/read-path-postgres).
   */
  override async standing(id: string): Promise<TokenStanding> {
    if (this.active?.has(id)) return "active";
    const before = this.active?.mark();
    // On a connection of its own choosing, so that only a read of the tables the feed hears is kept.
    const { rows, connection } = await queryOnConnection<StandingRow, [string]>(this.pool, {
      ...this.standingStatement,
      values: [id],
    });
    const standing = toStanding(rows[0]);
    const heard = this.feed?.hears(connection) ?? false;
    if (standing === "active" && before && heard) this.active?.add(id, before);
    return standing;
  }

  /** Under the shared lock no revoke runs, so the chain checked is the chain as it stands when this commits. */
  async insert(record: TokenRecord, parent: string | null): Promise<boolean> {
    if (parent === null) {
      await this.db.insertInto("tokens").values(tokenRow(record)).execute();
      return true;
    }
    return this.db.transaction().execute(async (trx) => {
      await shareChains(trx);
      const ancestors = await chainOf(trx, parent);
      if (await anyRevoked(trx, ancestors)) return false;
      await trx.insertInto("tokens").values(tokenRow(record)).execute();
      await linkAncestors(trx, record.id, ancestors);
      return true;
    });
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db
      .selectFrom("tokens")
      .select(RECORD_COLUMNS)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.db
      .selectFrom("tokens")
      .select(RECORD_COLUMNS)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map(fromRow);
  }

  /** The update starts after the lock is held, so it sees every token minted below `id` before it. */
  async revoke(id: string, at: string): Promise<string[]> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      await holdChains(trx);
      return stampRevoked(trx, id, at);
    });
    // Here at once, before the feed brings this commit's notification back: the caller answers next.
    this.active?.forget();
    return revoked;
  }

  /**
   * One update for the batch, the latest time of an id winning as in a loop of updates. Its rows are locked in
   * id order first, and it keeps clear of a revoke, so replicas writing overlapping batches cannot deadlock.
   */
  async recordUse(uses: ReadonlyArray<readonly [id: string, at: string]>): Promise<void> {
    if (uses.length === 0) return;
    const latest = [...new Map(uses).entries()];
    await this.db.transaction().execute(async (trx) => {
      await shareChains(trx);
      await trx
        .selectFrom("tokens")
        .select("id")
        .where("id", "in", [...new Map(uses).keys()])
        .orderBy("id")
        .forUpdate()
        .execute();
      const rows = sql.join(latest.map(([id, at]) => sql`(${id}, ${at})`));
      await sql`update tokens set last_used_at = uses.at from (values ${rows}) as uses (id, at)
        where tokens.id = uses.id`.execute(trx);
    });
  }
}
