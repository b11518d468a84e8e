import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../src/store/ports/audit.js";
import type { Store } from "../../../src/store/ports/store.js";

const entry = (index: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString(),
  requestId: `req-${index}`,
  subject: `token:${index % 2 ? "odd" : "even"}`,
  tokenId: `t-${index}`,
  operationId: "createRun",
  method: "POST",
  path: "/v1/runs",
  host: `h-${index % 3}`,
  target: null,
  status: 201,
  outcome: "allowed",
  reason: null,
  channel: "rest",
  ...overrides,
});

export function auditContract(store: () => Store): void {
  describe("audit", () => {
    const tenEntries = async () => {
      const { audit } = store();
      await audit.append(Array.from({ length: 10 }, (_, index) => entry(index)));
      return audit;
    };
    const requestIds = (entries: Array<{ requestId: string }>) => entries.map((item) => item.requestId);

    it("keeps every field, numbers entries in the order appended, and reads the newest first", async () => {
      const { audit } = store();
      const denied = entry(0, {
        subject: null,
        tokenId: null,
        operationId: null,
        host: null,
        target: "ctr",
        status: 401,
        outcome: "denied",
        reason: "invalid_token: no.",
        channel: "mcp",
      });
      await audit.append([denied, entry(1)]);
      await audit.append([]);
      await audit.append([entry(2)]);
      const entries = await audit.query({ limit: 10 });
      expect(requestIds(entries)).toEqual(["req-2", "req-1", "req-0"]);
      const [newest, middle, oldest] = entries.map((item) => item.id);
      expect(newest).toBeGreaterThan(middle ?? Number.POSITIVE_INFINITY);
      expect(middle).toBeGreaterThan(oldest ?? Number.POSITIVE_INFINITY);
      expect(entries[2]).toEqual({ ...denied, id: oldest });
    });

    it("filters by host, subject, time and a set of hosts, and cuts at the limit", async () => {
      const audit = await tenEntries();
      expect(requestIds(await audit.query({ host: "h-1", limit: 10 }))).toEqual(["req-7", "req-4", "req-1"]);
      expect(requestIds(await audit.query({ subject: "token:odd", host: "h-0", limit: 10 }))).toEqual([
        "req-9",
        "req-3",
      ]);
      expect(requestIds(await audit.query({ since: entry(7).time, limit: 10 }))).toEqual([
        "req-9",
        "req-8",
        "req-7",
      ]);
      expect(requestIds(await audit.query({ hosts: ["h-2", "h-1"], limit: 3 }))).toEqual([
        "req-8",
        "req-7",
        "req-5",
      ]);
      expect(await audit.query({ hosts: [], limit: 10 })).toEqual([]);
    });

    it("pages on with the last id of the previous page", async () => {
      const audit = await tenEntries();
      const first = await audit.query({ host: "h-0", limit: 2 });
      const rest = await audit.query({ host: "h-0", limit: 2, beforeId: first.at(-1)?.id });
      expect(requestIds(first)).toEqual(["req-9", "req-6"]);
      expect(requestIds(rest)).toEqual(["req-3", "req-0"]);
      expect(await audit.query({ limit: 2, beforeId: rest.at(-1)?.id })).toEqual([]);
    });

    it("deletes entries older than a time in batches of at most the limit", async () => {
      const audit = await tenEntries();
      const cutoff = entry(5).time;
      expect(await audit.deleteOlderThan(cutoff, 3)).toBe(3);
      expect(await audit.deleteOlderThan(cutoff, 3)).toBe(2);
      expect(await audit.deleteOlderThan(cutoff, 3)).toBe(0);
      expect(requestIds(await audit.query({ limit: 10 }))).toEqual([
        "req-9",
        "req-8",
        "req-7",
        "req-6",
        "req-5",
      ]);
    });
  });
}
