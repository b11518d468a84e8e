import type { ColumnType, CompiledQuery, Insertable, Kysely, Transaction } from "kysely";
import { isScope, type Scope } from "../../auth/scopes.js";
import type { TokenRecord, TokenStanding, TokenStore } from "../ports/tokens.js";
import type { TokenAncestorsTable } from "./tables.js";

/**
 * The columns of `tokens` as both stores write them: the JSON columns take the text `JSON.stringify` gives in
 * either. How a row reads back, and how a chain is kept from changing under a write, differ and stay in each.
 */
type TokenRow = {
  id: string;
  name: string;
  subject: string;
  scope: string;
  hosts: ColumnType<unknown, string, string>;
  policy: ColumnType<unknown, string, string>;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
};

/** What the chains' statements use: the same types in both stores, so a transaction of either passes too. */
type ChainsSchema = {
  tokens: Pick<TokenRow, "id" | "revoked_at">;
  token_ancestors: TokenAncestorsTable;
};

/** A store's handle or a transaction of it: a wider schema's `Transaction` passes as this one's, not as its `Kysely`. */
type Tokens = Kysely<ChainsSchema> | Transaction<ChainsSchema>;

/** The row of a token record, as both stores write it. */
export const tokenRow = (record: TokenRecord) =>
  ({
    id: record.id,
    name: record.name,
    subject: record.subject,
    scope: record.scopes.join(" "),
    hosts: JSON.stringify(record.hosts),
    policy: JSON.stringify(record.policy),
    created_by: record.createdBy,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    revoked_at: record.revokedAt,
    last_used_at: record.lastUsedAt,
  }) satisfies Insertable<TokenRow>;

/** A scope an older or newer portcall wrote that this one does not know grants nothing here. */
export const scopesOf = (scope: string): Scope[] => scope.split(" ").filter(isScope);

/** `parent` and every token before it in its chain: the ancestors of a token `parent` mints. */
export async function chainOf(tokens: Tokens, parent: string): Promise<string[]> {
  const inherited = await tokens
    .selectFrom("token_ancestors")
    .select("ancestor_id")
    .where("token_id", "=", parent)
    .execute();
  return [parent, ...inherited.map((entry) => entry.ancestor_id)];
}

export async function anyRevoked(tokens: Tokens, ids: readonly string[]): Promise<boolean> {
  const revoked = await tokens
    .selectFrom("tokens")
    .select("id")
    .where("id", "in", ids)
    .where("revoked_at", "is not", null)
    .executeTakeFirst();
  return revoked !== undefined;
}

export async function linkAncestors(tokens: Tokens, id: string, ancestors: readonly string[]): Promise<void> {
  await tokens
    .insertInto("token_ancestors")
    .values(ancestors.map((ancestor) => ({ token_id: id, ancestor_id: ancestor })))
    .execute();
}

/** Revokes `id` and every token minted below it not revoked yet, in one statement; the ids it revoked. */
export async function stampRevoked(tokens: Tokens, id: string, at: string): Promise<string[]> {
  const stamped = await tokens
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

export type StandingRow = { revoked_at: string | null; ancestorRevoked: unknown };

/**
 * The one read of a token's standing, compiled once: it runs on every authenticated request, and building and
 * compiling it with Kysely each time cost more than the read itself. Its only parameter is the token's id.
 */
export function standingQuery(tokens: Tokens): CompiledQuery<StandingRow> {
  const compiled = tokens
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
    .where("tokens.id", "=", "")
    .compile();
  if (compiled.parameters.length !== 1) throw new Error("the standing query must take only the token's id");
  return compiled;
}

export function toStanding(row: StandingRow | undefined): TokenStanding {
  if (!row) return "unknown";
  if (row.revoked_at) return "revoked";
  // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
  return row.ancestorRevoked ? "ancestor_revoked" : "active";
}

/** What both stores' tokens do alike; each adds how it reads the rows and keeps the chains consistent. */
export abstract class KyselyTokens implements TokenStore {
  private compiledStanding: CompiledQuery<StandingRow> | undefined;

  constructor(private readonly tokens: Tokens) {}

  abstract insert(record: TokenRecord, parent: string | null): Promise<boolean>;
  abstract get(id: string): Promise<TokenRecord | undefined>;
  abstract list(): Promise<TokenRecord[]>;
  abstract revoke(id: string, at: string): Promise<string[]>;
  abstract recordUse(uses: ReadonlyArray<readonly [id: string, at: string]>): Promise<void>;

  /** Read from the store every time (another replica may have revoked it); only the compiling is kept. */
  async standing(id: string): Promise<TokenStanding> {
    this.compiledStanding ??= standingQuery(this.tokens);
    const { rows } = await this.tokens.executeQuery<StandingRow>({
      ...this.compiledStanding,
      parameters: [id],
    });
    return toStanding(rows[0]);
  }
}
