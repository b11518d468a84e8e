import type { ExpressionBuilder, Kysely } from "kysely";
import type { RunLease } from "../ports/runs.js";

/**
 * The lease columns of `runs`, as both stores declare them: who watches a run and until when are plain text in
 * either, so the statements on them are the same Kysely, and the same SQL, in SQLite and PostgreSQL.
 */
type WatchesSchema = { runs: { id: string; lease_owner: string | null; lease_until: string | null } };

/** Runs nobody watches at `at`: never claimed, released, or left by a watcher that stopped renewing. */
export const unwatched = (at: string) => (eb: ExpressionBuilder<WatchesSchema, "runs">) =>
  eb.or([eb("runs.lease_owner", "is", null), eb("runs.lease_until", "<", at)]);

/** What both stores' runs do alike about who watches them; each adds the rest of `RunStore`. */
export abstract class KyselyRunWatches {
  constructor(private readonly watches: Kysely<WatchesSchema>) {}

  /**
   * One conditional update: of instances claiming at once, exactly one sees the run free (PostgreSQL's row
   * lock makes the others read it again once it is claimed; SQLite has one writer at a time).
   */
  async claimWatch(id: string, lease: RunLease, now: string): Promise<boolean> {
    const result = await this.watches
      .updateTable("runs")
      .set({ lease_owner: lease.owner, lease_until: lease.until })
      .where("id", "=", id)
      .where((eb) => eb.or([unwatched(now)(eb), eb("lease_owner", "=", lease.owner)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async renewWatches(owner: string, ids: readonly string[], until: string): Promise<string[]> {
    if (ids.length === 0) return [];
    const renewed = await this.watches
      .updateTable("runs")
      .set({ lease_until: until })
      .where("lease_owner", "=", owner)
      .where("id", "in", ids)
      .returning("id")
      .execute();
    return renewed.map((row) => row.id);
  }

  async releaseWatch(id: string, owner: string): Promise<void> {
    await this.watches
      .updateTable("runs")
      .set({ lease_owner: null, lease_until: null })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .execute();
  }
}
