import { type Kysely, sql } from "kysely";

// Statements of migrations that are the same SQL in SQLite and PostgreSQL. Part of migrations that have run:
// never edited, as the migrations themselves.

/** `0006_token_ancestors`, once its table exists: the chains of the tokens already stored. */
export async function backfillTokenChains(db: Kysely<unknown>): Promise<void> {
  // Existing tokens get theirs from `created_by`; a creator that is no token of the store (`cli`, an OIDC
  // token) ends the chain.
  await sql`insert into token_ancestors (token_id, ancestor_id)
    with recursive chain (token_id, ancestor_id) as (
      select child.id, parent.id from tokens child join tokens parent on parent.id = child.created_by
      union
      select chain.token_id, parent.id from chain
        join tokens step on step.id = chain.ancestor_id
        join tokens parent on parent.id = step.created_by
    )
    select token_id, ancestor_id from chain`.execute(db);
  // Revocation is transitive from now on, also for what was revoked before: a token whose ancestor is
  // revoked is revoked as of then.
  await sql`update tokens set revoked_at = (
      select min(ancestor.revoked_at) from token_ancestors lineage
        join tokens ancestor on ancestor.id = lineage.ancestor_id
      where lineage.token_id = tokens.id
    )
    where revoked_at is null and exists (
      select 1 from token_ancestors lineage join tokens ancestor on ancestor.id = lineage.ancestor_id
      where lineage.token_id = tokens.id and ancestor.revoked_at is not null
    )`.execute(db);
}
