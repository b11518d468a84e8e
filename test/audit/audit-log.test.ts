import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { silentLogger } from "../../src/logging/logger.js";
import { openStore } from "../../src/store/open-store.js";
import type { AuditRecord } from "../../src/store/ports/audit.js";
import type { Store } from "../../src/store/ports/store.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";

const T0 = Date.parse("2026-11-28T12:00:00.000Z");

const refusal = (index: number, at = T0, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  time: new Date(at).toISOString(),
  requestId: `req-${index}`,
  subject: null,
  tokenId: null,
  operationId: "deleteHost",
  method: "DELETE",
  path: `/v1/hosts/h-${index}`,
  host: `h-${index}`,
  target: null,
  status: 401,
  outcome: "denied",
  reason: "invalid_token: The bearer token is not valid: it is not a JWT.",
  channel: "rest",
  ...overrides,
});

describe("the audit log's bounds", () => {
  let store: Store;
  let audit: AuditLog;
  beforeEach(async () => {
    store = await openStore(":memory:");
    audit = new AuditLog(store.audit, silentLogger, {
      retentionDays: 30,
      anonymousPerWindow: 3,
      windowMs: 60_000,
    });
  });
  afterEach(() => store.close());

  const all = async () => (await audit.query({ limit: 200 })).items.reverse();

  it("writes the first refusals without a token of a window, then one summary with the count once it ended", async () => {
    for (let index = 0; index < 10; index++) await audit.record(refusal(index, T0 + index), T0 + index);
    expect((await all()).map((entry) => entry.requestId)).toEqual(["req-0", "req-1", "req-2"]);
    // The next write after the window ended brings its summary first.
    await audit.record(refusal(10, T0 + 61_000), T0 + 61_000);
    const entries = await all();
    expect(entries).toHaveLength(5);
    expect(entries[3]).toMatchObject({
      method: "*",
      path: "*",
      status: 401,
      outcome: "denied",
      subject: null,
      requestId: "req-3",
      time: new Date(T0 + 9).toISOString(),
      reason: expect.stringMatching(
        /^invalid_token: 7 more requests .* the first was DELETE \/v1\/hosts\/h-3/,
      ),
    });
    expect(entries[4]?.requestId).toBe("req-10");
  });

  it("counts each kind of refusal apart, and writes what is still counted when it closes", async () => {
    const notFound = { status: 404, outcome: "failed" as const, reason: "not_found: No route matches." };
    for (let index = 0; index < 5; index++) {
      await audit.record(refusal(index), T0);
      await audit.record(refusal(100 + index, T0, notFound), T0);
    }
    expect(await all()).toHaveLength(6);
    await audit.close();
    const summaries = (await all()).filter((entry) => entry.path === "*");
    expect(summaries.map((entry) => entry.reason?.split(" ").slice(0, 2).join(" ")).sort()).toEqual([
      "invalid_token: 2",
      "not_found: 2",
    ]);
  });

  it("writes every entry of a known token one by one, however many", async () => {
    const forbidden = { subject: "token:x", tokenId: "x", status: 403, reason: "insufficient_scope: no." };
    for (let index = 0; index < 10; index++) await audit.record(refusal(index, T0, forbidden), T0);
    expect(await all()).toHaveLength(10);
  });

  it("cuts long fields and says so", async () => {
    const long = `/v1/hosts/${"a".repeat(8_000)}`;
    await audit.record(
      refusal(0, T0, { path: long, host: "b".repeat(500), reason: `invalid_token: ${"c".repeat(5_000)}` }),
    );
    const [entry] = await all();
    expect(entry?.path.length).toBeLessThan(600);
    expect(entry?.path).toMatch(/^\/v1\/hosts\/a+…\[cut 7498 characters\]$/);
    expect(entry?.host).toMatch(/…\[cut 372 characters\]$/);
    expect(entry?.reason?.length).toBeLessThan(1_100);
  });

  it("purges what is older than its retention, and nothing newer", async () => {
    const now = T0;
    const dayMs = 86_400_000;
    const forbidden = { subject: "token:x", tokenId: "x", status: 403 };
    await audit.record(refusal(0, now - 31 * dayMs, forbidden), now);
    await audit.record(refusal(1, now - 29 * dayMs, forbidden), now);
    expect(await audit.purge(now)).toBe(1);
    expect((await all()).map((entry) => entry.requestId)).toEqual(["req-1"]);
  });
});

const databases: TestDatabase[] = [];
afterAll(() => Promise.all(databases.map((database) => database.drop())));

/** What any store must take from the audit log, however odd the request it records. */
function controlCharacters(open: () => Promise<Store>): void {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => store.close());

  it("keeps the entry of a request with control characters in it, and the summaries written with it", async () => {
    const audit = new AuditLog(store.audit, silentLogger, {
      retentionDays: 30,
      anonymousPerWindow: 1,
      windowMs: 60_000,
    });
    // What `DELETE /v1/hosts/%00` with a made-up token brings, and a reason quoting a terminal escape.
    const odd = (index: number, at: number) =>
      refusal(index, at, {
        path: "/v1/hosts/\u0000",
        host: "\u0000",
        reason: "invalid_token: \u001b[31m\u007f",
      });
    for (let index = 0; index < 3; index++) await audit.record(odd(index, T0 + index), T0 + index);
    await audit.record(odd(3, T0 + 61_000), T0 + 61_000);
    const entries = (await audit.query({ limit: 10 })).items.reverse();
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({ path: "/v1/hosts/␀", host: "␀", reason: "invalid_token: ␛[31m␡" });
    expect(entries[1]).toMatchObject({ path: "*", reason: expect.stringContaining("DELETE /v1/hosts/␀") });
    expect(entries[2]).toMatchObject({ requestId: "req-3", path: "/v1/hosts/␀" });
  });
}

describe("the audit log over SQLite", () => controlCharacters(() => openStore(":memory:")));
describeWithPostgres("the audit log over PostgreSQL", () =>
  controlCharacters(async () => {
    const database = await createDatabase();
    databases.push(database);
    return openStore(":memory:", database.url);
  }),
);
