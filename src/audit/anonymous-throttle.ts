import type { AuditRecord } from "../store/ports/audit.js";

type Window = {
  startedAt: number;
  written: number;
  counted: number;
  first?: AuditRecord;
  lastTime?: string;
};

/** The error code at the front of an entry's reason (`invalid_token: …`), as the audit trail writes it. */
function codeOf(reason: string | null): string {
  return /^([a-z_]+):/.exec(reason ?? "")?.[1] ?? "none";
}

/**
 * Keeps requests without a principal from writing one audit entry each: anyone can send those, as fast as
 * they like. Per kind (status and error code, a small fixed set, so the windows cannot grow in number), the
 * first `perWindow` of each window are written; the rest are only counted, and one summary entry with the
 * count is written once the window has ended. In memory, per process: with several replicas over one store,
 * each writes its own entries and summaries, so no request is counted twice and the bound is per replica.
 */
export class AnonymousThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Whether to write this entry now; when not, it is counted towards its window's summary. */
  admit(entry: AuditRecord, now: number): boolean {
    const key = `${entry.status} ${codeOf(entry.reason)}`;
    let window = this.windows.get(key);
    if (!window) {
      window = { startedAt: now, written: 0, counted: 0 };
      this.windows.set(key, window);
    }
    if (window.written < this.perWindow) {
      window.written += 1;
      return true;
    }
    window.counted += 1;
    window.first ??= entry;
    window.lastTime = entry.time;
    return false;
  }

  /** Ends the windows that are over by `now` (or all of them) and returns a summary for each that counted any. */
  end(now: number, all = false): AuditRecord[] {
    const summaries: AuditRecord[] = [];
    for (const [key, window] of this.windows) {
      if (!all && now - window.startedAt < this.windowMs) continue;
      this.windows.delete(key);
      if (window.first) summaries.push(this.summary(window.first, window.counted, window.lastTime));
    }
    return summaries;
  }

  private summary(first: AuditRecord, count: number, lastTime = first.time): AuditRecord {
    const code = codeOf(first.reason);
    return {
      ...first,
      time: lastTime,
      // Method and path say this entry stands for many requests; the first one is named in the reason.
      method: "*",
      path: "*",
      operationId: null,
      host: null,
      target: null,
      reason:
        `${code}: ${count} more requests without a valid token ended like this (${first.status}) from ` +
        `${first.time} to ${lastTime}, counted here instead of one entry each (past ${this.perWindow} in ` +
        `${this.windowMs / 1000} s); the first was ${first.method} ${first.path} (request ${first.requestId})`,
    };
  }
}
