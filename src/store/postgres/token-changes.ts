import { randomBytes } from "node:crypto";
import pg from "pg";

/** The channel the `tokens_changed` triggers (migration 0010) notify on, whoever changes the tokens. */
export const TOKENS_CHANNEL = "portcall_tokens";

export const FEED_APPLICATION_NAME = "portcall-token-changes";

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

/**
 * What tells a replica that tokens changed in the database, so that it may keep what it read of them: a
 * connection of its own that LISTENs on the channel the database's triggers notify on at every commit that
 * revokes, deletes or chains tokens (any writer: another replica, the CLI, an older version, hand-written
 * SQL). `generation` counts the changes seen; `live()` says whether every change committed more than
 * `staleMs` ago has been seen.
 *
 * Liveness is proven, not assumed: the feed notifies itself every `pingMs`. PostgreSQL delivers the
 * notifications of a channel's listeners in commit order, so once the feed hears a ping, it has heard every
 * change committed before that ping was sent. A connection that broke, or that stalls, stops proving it; the
 * feed then is not live, and what relies on it reads the store instead, until it is live again.
 */
export class TokenChangeFeed {
  private client: pg.Client | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** When the newest ping heard was sent (performance.now()). */
  private provenAt = Number.NEGATIVE_INFINITY;
  private readonly pings = new Map<string, number>();
  private readonly pingChannel = `portcall_ping_${randomBytes(8).toString("hex")}`;
  private changes = 0;

  constructor(
    private readonly url: string,
    private readonly options: TokenChangeOptions = DEFAULT_TOKEN_CHANGES,
  ) {}

  /** Counts the changes heard, and every (re)connection, since what was read before either may be stale. */
  get generation(): number {
    return this.changes;
  }

  live(now = performance.now()): boolean {
    return now - this.provenAt <= this.options.staleMs;
  }

  /** Connects in the background: until the first ping comes back, the feed is not live. */
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
      .then(() => {
        // Whatever was read while no connection listened may be stale.
        this.changes++;
        this.pinger = setInterval(() => this.ping(client), this.options.pingMs).unref();
        this.ping(client);
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
    const sentAt = this.pings.get(payload ?? "");
    if (sentAt === undefined) return;
    // A ping heard proves those sent before it too; they are done with.
    for (const [id, at] of this.pings) if (at <= sentAt) this.pings.delete(id);
    this.provenAt = Math.max(this.provenAt, sentAt);
  }

  private ping(client: pg.Client): void {
    const id = randomBytes(6).toString("hex");
    this.pings.set(id, performance.now());
    // Pings the connection never answers pile up only until it is replaced.
    if (this.pings.size > 64) this.pings.delete(this.pings.keys().next().value as string);
    client.query("select pg_notify($1, $2)", [this.pingChannel, id]).catch(() => this.reconnect(client));
  }

  private reconnect(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    clearInterval(this.pinger);
    this.provenAt = Number.NEGATIVE_INFINITY;
    this.pings.clear();
    client.removeAllListeners("end");
    client.on("error", () => {});
    client.end().catch(() => {});
    this.retry = setTimeout(() => this.start(), 1_000).unref();
  }
}
