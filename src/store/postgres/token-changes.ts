import { randomBytes } from "node:crypto";
import pg from "pg";
import { queryOnConnection } from "./own-connection.js";

/** The channel the `tokens_changed` triggers (migration 0010) notify on, whoever changes the tokens. */
export const TOKENS_CHANNEL = "portcall_tokens";

export const FEED_APPLICATION_NAME = "portcall-token-changes";

/**
 * Which tables a connection reads: its server (by start time), its database, and the tables' own ids. Two
 * connections that agree read the same rows; a move to another server or database (a DNS switch-over), or
 * tables dropped and made again (a restore with --clean), changes it.
 */
const IDENTITY = `json_build_array(current_database(), pg_postmaster_start_time(),
  'tokens'::regclass::oid, 'token_ancestors'::regclass::oid)::text`;

export type TokenChangeOptions = {
  /** How often the feed proves itself live by a notification to itself. */
  pingMs: number;
  /**
   * How old the last proof may be for the feed to count as live: the longest a revocation may go unseen here
   * when the connection to the database stalls without breaking (a partition, a stopped server).
   */
  staleMs: number;
};

export const DEFAULT_TOKEN_CHANGES: TokenChangeOptions = { pingMs: 250, staleMs: 1_000 };

type Ping = { sentAt: number; heard: boolean; vouched: boolean };

/**
 * What tells a replica that tokens changed in the database, so that it may keep what it read of them: a
 * connection of its own that LISTENs on the channel the database's triggers notify on at every commit that
 * makes, revokes, deletes or chains tokens (any writer: another replica, the CLI, an older version, SQL by
 * hand; the triggers fire under replication too). `generation` counts the changes seen; `live()` says whether
 * every change committed more than `staleMs` ago in the tables the pool reads has been seen.
 *
 * Liveness is proven, not assumed: every `pingMs` a notification goes out through the pool that the reads use,
 * and counts once the feed hears it and the pool's connection said it reads the same tables as the feed's
 * (`IDENTITY`). PostgreSQL delivers a channel's notifications in commit order, so a ping heard means every
 * change committed before it was heard too. Each new pool connection says which tables it reads as well. A
 * connection that broke or stalls stops proving; one that reads other tables than the feed (a switch-over
 * that moved the pool but not the feed, tables made again) makes the feed start over; meanwhile the feed is
 * not live, and what relies on it reads the store.
 */
export class TokenChangeFeed {
  private client: pg.Client | undefined;
  /** What the feed's connection reads (`IDENTITY`), once it listens. */
  private identity: string | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** When the newest ping that counts was sent (performance.now()). */
  private provenAt = Number.NEGATIVE_INFINITY;
  private readonly pings = new Map<string, Ping>();
  private readonly pingChannel = `portcall_ping_${randomBytes(8).toString("hex")}`;
  private changes = 0;
  /** What each pool connection said it reads, when it opened or at its latest ping. */
  private readonly reads = new WeakMap<pg.ClientBase, string>();

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly options: TokenChangeOptions = DEFAULT_TOKEN_CHANGES,
  ) {
    // Queued before anything the pool's caller sends on the connection, so answered before it too.
    pool.on("connect", (connection) => {
      connection
        .query<{ identity: string }>(`select ${IDENTITY} as identity`)
        .then(({ rows }) => this.vouch(connection, rows[0]?.identity))
        .catch(() => {});
    });
  }

  /**
   * Whether a read made on this pool connection may be kept: it reads the tables the feed hears. A pool can
   * hold connections to two databases at once (a switch-over: those opened before it and after).
   */
  hears(connection: pg.ClientBase): boolean {
    return this.identity !== undefined && this.reads.get(connection) === this.identity;
  }

  /** Counts the changes heard, and every (re)connection, since what was read before either may be stale. */
  get generation(): number {
    return this.changes;
  }

  live(now = performance.now()): boolean {
    return now - this.provenAt <= this.options.staleMs;
  }

  /** Connects in the background: until a ping counts, the feed is not live. */
  start(): void {
    if (this.closed) return;
    // Named, so that an operator (and a test) can tell it in pg_stat_activity.
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      application_name: FEED_APPLICATION_NAME,
    });
    this.client = client;
    const lost = () => this.reconnect(client);
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (message) => this.heard(message.channel, message.payload));
    client
      .connect()
      .then(() => client.query(`listen ${TOKENS_CHANNEL}; listen ${this.pingChannel}`))
      .then(() => client.query<{ identity: string }>(`select ${IDENTITY} as identity`))
      .then(({ rows }) => {
        if (this.client !== client) return;
        this.identity = rows[0]?.identity;
        // Whatever was read while no connection listened may be stale.
        this.changes++;
        this.pinger = setInterval(() => this.ping(), this.options.pingMs).unref();
        this.ping();
      })
      .catch(lost);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    clearTimeout(this.retry);
    this.provenAt = Number.NEGATIVE_INFINITY;
    await this.client?.end().catch(() => {});
  }

  private heard(channel: string, payload: string | undefined): void {
    if (channel === TOKENS_CHANNEL) {
      this.changes++;
      return;
    }
    const ping = this.pings.get(payload ?? "");
    if (!ping) return;
    ping.heard = true;
    this.count(ping);
  }

  /** A pool connection's word on which tables it reads: others than the feed's, and the feed starts over. */
  private vouch(connection: pg.ClientBase, identity: string | undefined, ping?: Ping): void {
    if (identity !== undefined) this.reads.set(connection, identity);
    if (this.identity === undefined) return;
    if (identity !== this.identity) {
      if (this.client) this.reconnect(this.client);
      return;
    }
    if (!ping) return;
    ping.vouched = true;
    this.count(ping);
  }

  private count(ping: Ping): void {
    // A ping answered after `close` proves nothing about a feed that no longer listens.
    if (!ping.heard || !ping.vouched || this.closed) return;
    // A ping that counts proves those sent before it too; they are done with.
    for (const [id, other] of this.pings) if (other.sentAt <= ping.sentAt) this.pings.delete(id);
    this.provenAt = Math.max(this.provenAt, ping.sentAt);
  }

  private ping(): void {
    const id = randomBytes(6).toString("hex");
    const ping: Ping = { sentAt: performance.now(), heard: false, vouched: false };
    this.pings.set(id, ping);
    // Pings that never count pile up only until the feed starts over.
    if (this.pings.size > 64) this.pings.delete(this.pings.keys().next().value as string);
    void this.pingThrough(id, ping);
  }

  /** On a pool connection of its own choosing, so that its answer says which tables that connection reads. */
  private async pingThrough(id: string, ping: Ping): Promise<void> {
    try {
      const { rows, connection } = await queryOnConnection<{ identity: string }, [string, string]>(
        this.pool,
        {
          text: `select pg_notify($1, $2), ${IDENTITY} as identity`,
          values: [this.pingChannel, id],
        },
      );
      this.vouch(connection, rows[0]?.identity, ping);
    } catch {
      // The pool out of reach, or the ping failed: it does not count, and the feed goes stale by itself.
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.identity = undefined;
    clearInterval(this.pinger);
    this.provenAt = Number.NEGATIVE_INFINITY;
    this.pings.clear();
    this.changes++;
    client.removeAllListeners("end");
    client.on("error", () => {});
    client.end().catch(() => {});
    this.retry = setTimeout(() => this.start(), 1_000).unref();
  }
}
