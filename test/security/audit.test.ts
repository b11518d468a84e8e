import { stat } from "node:fs/promises";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJson } from "../support/http.js";
import { type FreshServer, startFreshServer, startServer } from "../support/server.js";

const LONG = "x".repeat(8_000);

/** Sends `count` requests, `parallel` at a time, and answers how many came back with each status. */
async function flood(
  count: number,
  send: (index: number) => Promise<Response>,
  parallel = 50,
): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const res = await send(next++);
        await res.body?.cancel();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

type AuditRow = {
  method: string;
  path: string;
  status: number;
  subject: string | null;
  reason: string | null;
};

/** The audit table as it is on disk, read behind the server's back (WAL lets a reader in beside it). */
function auditRows(dataDir: string): AuditRow[] {
  const db = new SQLite(join(dataDir, "portcall.db"), { readonly: true });
  try {
    return db
      .prepare("select method, path, status, subject, reason from audit order by id")
      .all() as AuditRow[];
  } finally {
    db.close();
  }
}

async function storeBytes(dataDir: string): Promise<number> {
  const sizes = await Promise.all(
    ["portcall.db", "portcall.db-wal"].map((name) =>
      stat(join(dataDir, name)).then(
        (info) => info.size,
        () => 0,
      ),
    ),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** What a summary entry says it counted. */
const counted = (rows: AuditRow[]) =>
  rows
    .filter((row) => row.path === "*")
    .reduce((sum, row) => sum + Number(/: (\d+) more requests/.exec(row.reason ?? "")?.[1] ?? 0), 0);

describe("attacks on the audit log", () => {
  let server: FreshServer;
  beforeAll(async () => {
    server = await startFreshServer();
  });
  afterAll(() => server?.discard());

  it("a flood of unauthenticated requests does not grow the audit log without bound", async () => {
    const before = await storeBytes(server.dataDir);
    const statuses = await flood(2_000, (index) =>
      fetch(`${server.url}/v1/hosts/${LONG}-${index}`, { method: "DELETE" }),
    );
    expect(statuses).toEqual({ 401: 2_000 });

    const rows = auditRows(server.dataDir).filter((row) => row.status === 401);
    expect(rows.length).toBeLessThanOrEqual(25);
    for (const row of rows) expect(row.path.length).toBeLessThan(600);
    expect(rows[0]?.path).toMatch(/…\[cut \d+ characters\]$/);
    // The reproduction grew the store by 50 MB; what is left is the few entries and SQLite's own pages.
    expect((await storeBytes(server.dataDir)) - before).toBeLessThan(1024 * 1024);
  });

  it("floods that spell the missing token differently, or miss every route, stay bounded too", async () => {
    const before = auditRows(server.dataDir).length;
    const forged = await new SignJWT({ scope: "admin", hosts: ["*"] })
      .setProtectedHeader({ alg: "HS256", typ: "portcall+jwt" })
      .setIssuer("portcall")
      .setAudience("portcall")
      .setSubject("intruder")
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("guessed secret"));
    const spellings: Array<[string, RequestInit]> = [
      [`/v1/hosts/${LONG}`, { method: "DELETE", headers: { Authorization: "Bearer not-a-jwt" } }],
      [`/v1/hosts/${LONG}`, { method: "DELETE", headers: { Authorization: `Bearer ${forged}` } }],
      [`/v1/hosts/${LONG}`, { method: "DELETE", headers: { Authorization: `Basic ${LONG}` } }],
      [
        "/v1/tokens",
        { method: "POST", headers: { "Content-Type": "application/json" }, body: `{"name":"${LONG}"}` },
      ],
      [`/v1/no-such-route/${LONG}`, { method: "DELETE" }],
    ];
    const statuses = await flood(1_000, (index) => {
      const [path, init] = spellings[index % spellings.length] as [string, RequestInit];
      return fetch(`${server.url}${path}`, init);
    });
    expect(statuses).toEqual({ 401: 800, 404: 200 });
    // At most one window's worth for each kind of refusal: not one entry per request.
    expect(auditRows(server.dataDir).length - before).toBeLessThanOrEqual(2 * 25);
  });

  it("a token refused for want of a scope is still recorded every time, by name", async () => {
    const created = await readJson(
      await server.api("/v1/tokens", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "reader", scopes: ["hosts:read"], hosts: ["*"], ttl: "1h" }),
      }),
    );
    const statuses = await flood(
      60,
      () =>
        fetch(`${server.url}/v1/hosts/some-host`, {
          method: "DELETE",
          headers: { Authorization: `Bearer ${created.token}` },
        }),
      10,
    );
    expect(statuses).toEqual({ 403: 60 });
    const mine = auditRows(server.dataDir).filter(
      (row) => row.subject === created.subject && row.status === 403,
    );
    expect(mine).toHaveLength(60);
  });

  it("what the flood did not write one by one is counted in summaries written by the time it stops", async () => {
    await server.stop();
    const rows = auditRows(server.dataDir).filter((row) => row.subject === null);
    const written = rows.filter((row) => row.path !== "*").length;
    // Every unauthenticated request of the tests above is accounted for: written, or counted in a summary.
    expect(written + counted(rows)).toBe(3_000);
    expect(rows.filter((row) => row.path === "*").every((row) => row.method === "*")).toBe(true);
  });

  it("entries older than PORTCALL_AUDIT_RETENTION_DAYS are purged when portcall starts", async () => {
    const db = new SQLite(join(server.dataDir, "portcall.db"));
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    db.prepare(
      "insert into audit (time, request_id, method, path, status, outcome) values (?, 'ancient', 'DELETE', '/old', 401, 'denied')",
    ).run(old);
    const total = (db.prepare("select count(*) as n from audit").get() as { n: number }).n;
    db.close();

    const restarted = await startServer({
      PORTCALL_DATA_DIR: server.dataDir,
      PORTCALL_AUDIT_RETENTION_DAYS: "2",
    });
    try {
      await expect.poll(() => auditRows(server.dataDir).length).toBe(total - 1);
      expect(auditRows(server.dataDir).some((row) => row.path === "/old")).toBe(false);
    } finally {
      restarted.child.kill("SIGKILL");
    }
  });
});
