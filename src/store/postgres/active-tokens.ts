import type { TokenChangeFeed } from "./token-changes.js";

/** The most tokens kept as active: past it the set starts again (each is one read away). */
const ACTIVE_LIMIT = 10_000;
/**
 * The longest a token is kept as active, however live the feed: a backstop for a change that notified
 * nobody (a data-only restore with triggers disabled, `session_replication_role = replica`).
 */
const ACTIVE_MAX_AGE_MS = 60_000;

type Mark = { feed: number; local: number; at: number };

/**
 * The ids of tokens read as active, answered without a read while the feed is live and has heard no change
 * since they were read. A read that a change overtook (the feed heard one, or this replica revoked, between
 * the read's start and its end) is not kept: it may have seen the tokens as they were before. A change heard
 * after it was kept empties the set at the next look.
 */
export class ActiveTokens {
  /** Each id with when its read began. */
  private readonly ids = new Map<string, number>();
  private seen = -1;
  private local = 0;

  constructor(private readonly feed: TokenChangeFeed) {}

  has(id: string): boolean {
    const now = performance.now();
    if (!this.feed.live(now)) return false;
    this.catchUp();
    const readAt = this.ids.get(id);
    if (readAt === undefined) return false;
    if (now - readAt <= ACTIVE_MAX_AGE_MS) return true;
    this.ids.delete(id);
    return false;
  }

  /** Taken before a read, handed to `add` after it. */
  mark(): Mark {
    return { feed: this.feed.generation, local: this.local, at: performance.now() };
  }

  add(id: string, before: Mark): void {
    if (before.feed !== this.feed.generation || before.local !== this.local) return;
    this.catchUp();
    if (this.ids.size >= ACTIVE_LIMIT) this.ids.clear();
    this.ids.set(id, before.at);
  }

  forget(): void {
    this.local++;
    this.ids.clear();
  }

  private catchUp(): void {
    if (this.seen === this.feed.generation) return;
    this.ids.clear();
    this.seen = this.feed.generation;
  }
}
