import type { Logger } from "../logging/logger.js";
import type { AuditEntry, AuditRecord, AuditStore } from "../store/ports/audit.js";
import { AnonymousThrottle } from "./anonymous-throttle.js";

export type AuditQuery = {
  host?: string | undefined;
  subject?: string | undefined;
  since?: string | undefined;
  limit: number;
  cursor?: number | undefined;
  /** Only entries about these hosts; undefined for every entry. */
  visibleHosts?: string[] | undefined;
};

export type AuditOptions = {
  /** Entries older than this many days are deleted (PORTCALL_AUDIT_RETENTION_DAYS). */
  retentionDays: number;
  /** Requests without a principal written one by one per window and kind; the rest only counted. */
  anonymousPerWindow: number;
  windowMs: number;
};

export const DEFAULT_AUDIT_OPTIONS: AuditOptions = {
  retentionDays: 90,
  anonymousPerWindow: 20,
  windowMs: 60_000,
};

const DAY_MS = 86_400_000;
const PURGE_INTERVAL_MS = 3_600_000;
// Deleted a batch at a time, so a large purge never holds the store's write lock for long.
const PURGE_BATCH = 5_000;

// Longest text each field keeps. A request line can carry kilobytes nobody needs twice; what a field keeps
// still tells one entry from another.
const FIELD_LIMITS = {
  requestId: 128,
  subject: 256,
  tokenId: 128,
  operationId: 64,
  method: 16,
  path: 512,
  host: 128,
  target: 256,
  reason: 1024,
} as const;

function cut(value: string, limit: number): string {
  return value.length <= limit ? value : `${value.slice(0, limit)}…[cut ${value.length - limit} characters]`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it replaces
const CONTROL = /[\x00-\x1f\x7f]/g;

/**
 * A control character shown as its picture (NUL as U+2400 "␀", DEL as "␡"): a request can put any of them in
 * its path or a header, PostgreSQL's `text` cannot hold NUL at all, and an entry that fails to be written loses
 * the anonymous-window summaries written with it. The picture keeps the length and still says what was sent.
 */
const visible = (value: string) =>
  value.replace(CONTROL, (char) =>
    String.fromCharCode(char === "\x7f" ? 0x2421 : 0x2400 + char.charCodeAt(0)),
  );

/** Every free-text field of the entry (the others are ours: its time, outcome and channel), made visible and cut. */
function capped(entry: AuditRecord): AuditRecord {
  const copy = { ...entry };
  for (const [field, limit] of Object.entries(FIELD_LIMITS) as Array<[keyof typeof FIELD_LIMITS, number]>) {
    const value = copy[field];
    if (typeof value === "string") copy[field] = cut(visible(value), limit);
  }
  return copy;
}

/**
 * Who did what, where, and how it ended: every change, and every refusal. It stays bounded: fields are cut
 * to a length, requests without a principal are throttled (see `AnonymousThrottle`), and entries past the
 * retention are purged at start and hourly. Refusals of a known token (403) and changes are written one by one.
 */
export class AuditLog {
  private readonly anonymous: AnonymousThrottle;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly options: AuditOptions = DEFAULT_AUDIT_OPTIONS,
  ) {
    this.anonymous = new AnonymousThrottle(options.anonymousPerWindow, options.windowMs);
  }

  /** Never fails the request it records: a lost entry is logged instead. */
  async record(entry: AuditRecord, now = Date.now()): Promise<void> {
    const summaries = this.anonymous.end(now);
    const kept = capped(entry);
    const write = entry.tokenId !== null || this.anonymous.admit(kept, now);
    await this.insert(write ? [...summaries, kept] : summaries);
  }

  /** Purges once now, then hourly; writes the summaries of ended windows as each window ends. */
  start(): void {
    const purge = () => {
      this.purge().catch((error: unknown) =>
        this.logger.warn("audit purge failed", { error: String(error) }),
      );
    };
    purge();
    this.timers = [
      setInterval(purge, PURGE_INTERVAL_MS),
      setInterval(() => void this.insert(this.anonymous.end(Date.now())), this.options.windowMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /** Stops the timers and writes what is still only counted, so no refusal goes unrecorded at shutdown. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.insert(this.anonymous.end(Date.now(), true));
  }

  /** Deletes the entries older than the retention; how many. */
  async purge(now = Date.now()): Promise<number> {
    const before = new Date(now - this.options.retentionDays * DAY_MS).toISOString();
    let deleted = 0;
    for (;;) {
      const batch = await this.store.deleteOlderThan(before, PURGE_BATCH);
      deleted += batch;
      if (batch < PURGE_BATCH) break;
    }
    if (deleted > 0) this.logger.info("audit entries purged", { deleted, before });
    return deleted;
  }

  private async insert(entries: AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.store.append(entries);
    } catch (error) {
      const requestIds = entries.map((entry) => entry.requestId);
      this.logger.error("audit entry lost", { requestIds, error: String(error) });
    }
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  async query(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: number | null }> {
    const entries = await this.store.query({
      host: query.host,
      subject: query.subject,
      since: query.since,
      beforeId: query.cursor,
      hosts: query.visibleHosts,
      limit: query.limit + 1,
    });
    const items = entries.slice(0, query.limit);
    return { items, nextCursor: entries.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }
}
