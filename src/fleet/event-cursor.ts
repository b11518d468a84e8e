import { z } from "@hono/zod-openapi";
import { ApiError } from "../errors/api-error.js";
import { HOST_ID_PATTERN } from "../schemas/params.js";

const MAX_CURSOR_CHARS = 8192;
const MAX_HOSTS = 512;
// JSON bytes for the host entries of an id: base64url makes 4 characters of 3 bytes, and the rest of the
// tuple (two numbers, brackets) takes well under 64.
const ENCODED_BUDGET = Math.floor((MAX_CURSOR_CHARS * 3) / 4) - 64;
const NANOS_PER_MS = 1_000_000n;
const RFC3339 = z.iso.datetime({ offset: true });
// Offsets are plain JSON numbers, so they stay within what a double holds exactly (about 104 days). A host
// further behind than that resumes from there: no daemon keeps events that old to replay anyway.
const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);
// The largest time `decode` reads (20 digits). Times are held within [0, MAX_NANO], so every id `encode` gives
// out is one `decode` takes back: a time before 1970 or past this (an RFC 3339 `since`, a daemon's clock) is
// brought to the nearest end.
const MAX_NANO = 10n ** 20n - 1n;
const withinRange = (nano: bigint) => (nano < 0n ? 0n : nano > MAX_NANO ? MAX_NANO : nano);

/** `[newest time in ns, how far behind it the start is, { host: how far behind it that host is }]`. */
const EncodedSchema = z.tuple([
  z.string().regex(/^\d{1,20}$/),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z
    .record(z.string().regex(HOST_ID_PATTERN), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))
    .refine((hosts) => Object.keys(hosts).length <= MAX_HOSTS),
]);

/**
 * Where a merged event stream stands, so a client can resume it across every host: per host, the daemon time
 * (ns) of the last event delivered from it; for a host with none yet, the time the stream started. As text it
 * is compact JSON in base64url, the stream's SSE `id`.
 */
export class EventCursor {
  private constructor(
    private readonly startNano: bigint,
    private readonly positions: Map<string, bigint>,
  ) {}

  /** A stream starting now. */
  static fresh(): EventCursor {
    return EventCursor.at(Date.now());
  }

  static at(epochMs: number): EventCursor {
    return new EventCursor(withinRange(BigInt(epochMs) * NANOS_PER_MS), new Map());
  }

  /** Where a client asks to resume: an id the stream gave out, or an RFC 3339 time for every host. */
  static resume(text: string): EventCursor {
    return RFC3339.safeParse(text).success ? EventCursor.at(Date.parse(text)) : EventCursor.decode(text);
  }

  /** Reads an id the stream gave out; anything else is 400. */
  static decode(text: string): EventCursor {
    const invalid = () => new ApiError("invalid_request", "The event id is not one this API gave out.");
    if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    } catch {
      throw invalid();
    }
    const parsed = EncodedSchema.safeParse(decoded);
    if (!parsed.success) throw invalid();
    const [newest, startOffset, hosts] = parsed.data;
    const base = BigInt(newest);
    // Offsets count back from the newest time; one that reaches past zero names a time before any event.
    if (BigInt(startOffset) > base || Object.values(hosts).some((offset) => BigInt(offset) > base))
      throw invalid();
    const positions = new Map(Object.entries(hosts).map(([host, offset]) => [host, base - BigInt(offset)]));
    return new EventCursor(base - BigInt(startOffset), positions);
  }

  /** The `since` to ask a host for: just after its last delivered event, or the stream's start. */
  sinceFor(host: string): bigint {
    const last = this.positions.get(host);
    return last === undefined ? this.startNano : last + 1n;
  }

  advance(host: string, timeNano: bigint): void {
    this.positions.set(host, withinRange(timeNano));
  }

  /** Keeps only `hosts`: the id of a stream names no host it does not cover. */
  narrowTo(hosts: string[]): EventCursor {
    const kept = new Set(hosts);
    return new EventCursor(this.startNano, new Map([...this.positions].filter(([host]) => kept.has(host))));
  }

  /**
   * The id as text, never longer than `decode` takes. When the hosts' positions do not all fit, the hosts
   * furthest behind are left out and the start moves back to just after the oldest of them: a resume then
   * sees some of their events twice, never misses one.
   */
  encode(): string {
    let newest = this.startNano;
    for (const time of this.positions.values()) if (time > newest) newest = time;
    const behind = (time: bigint) => {
      const offset = newest - time;
      return Number(offset > MAX_OFFSET ? MAX_OFFSET : offset);
    };
    let start = this.startNano;
    let room = ENCODED_BUDGET;
    const hosts: Record<string, number> = {};
    for (const [host, time] of [...this.positions].sort(([, a], [, b]) => (a > b ? -1 : a < b ? 1 : 0))) {
      const entry = `${JSON.stringify(host)}:${behind(time)},`;
      room -= entry.length;
      if (room >= 0 && Object.keys(hosts).length < MAX_HOSTS) hosts[host] = behind(time);
      else if (time + 1n < start) start = time + 1n;
    }
    return Buffer.from(JSON.stringify([String(newest), behind(start), hosts])).toString("base64url");
  }
}
