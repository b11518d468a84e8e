import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres/open.js";
import { FEED_APPLICATION_NAME } from "../../src/store/postgres/token-changes.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";
import { silently } from "../support/postgres-proxy.js";
import { storedToken } from "../support/stored-token.js";

/** Polls until the store stops calling the token active; how long that took, or Infinity. */
async function msUntilRefused(store: PostgresStore, id: string, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if ((await store.tokens.standing(id)) !== "active") return performance.now() - started;
    await sleep(5);
  }
  return Number.POSITIVE_INFINITY;
}

describeWithPostgres("replicas keeping the tokens they read as active", () => {
  let database: TestDatabase;
  let sqlClient: pg.Client;
  let here: PostgresStore;
  let elsewhere: PostgresStore;
  let id = "";
  let counter = 0;

  /** Hand-written SQL on the database, as an operator (or an older portcall) writes it. */
  const query = (text: string, values: unknown[] = []) => sqlClient.query(text, values);
  /** A revoke nobody is told of: only a kept answer still says active after it. */
  const revokeSilently = (token: string) => silently(sqlClient, token);
  /** Until both replicas' feeds listen, and a little more for their first pings to come back. */
  const feedsLive = async () => {
    for (let i = 0; i < 100 && (await feedBackends()).length < 2; i++) await sleep(50);
    await sleep(400);
  };
  const feedBackends = async () =>
    (
      await query("select pid from pg_stat_activity where application_name = $1 and datname = $2", [
        FEED_APPLICATION_NAME,
        database.name,
      ])
    ).rows.map((row: { pid: number }) => row.pid);

  beforeAll(async () => {
    database = await createDatabase();
    sqlClient = new pg.Client({ connectionString: database.url });
    await sqlClient.connect();
    [here, elsewhere] = await Promise.all([openPostgresStore(database.url), openPostgresStore(database.url)]);
    await feedsLive();
  });
  afterAll(async () => {
    await here?.close();
    await elsewhere?.close();
    await sqlClient?.end();
    await database?.drop();
  });

  const activeEverywhere = async () => {
    id = `tok_${++counter}`;
    await here.tokens.insert(storedToken(id), null);
    expect(await here.tokens.standing(id)).toBe("active");
    expect(await elsewhere.tokens.standing(id)).toBe("active");
  };

  /**
   * Tries until both replicas answer a token read before a silent revoke as active: a busy machine can delay
   * a ping past the second that keeps the feeds live, and then they read (as they must).
   */
  const keptEverywhere = async (): Promise<number> => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      await activeEverywhere();
      await revokeSilently(id);
      const answers = [await here.tokens.standing(id), await elsewhere.tokens.standing(id)];
      if (answers.every((answer) => answer === "active")) return attempt;
      await sleep(100);
    }
    return Number.POSITIVE_INFINITY;
  };

  it("answers a token it read as active again without reading the store", async () => {
    expect(await keptEverywhere()).toBeLessThan(20);
  });

  it("refuses a token revoked on another replica within milliseconds, and at once on the replica that revoked it", async () => {
    await activeEverywhere();
    await here.tokens.revoke(id, "2026-06-01T00:00:00.000Z");
    expect(await here.tokens.standing(id)).toBe("revoked");
    expect(await msUntilRefused(elsewhere, id, 1_000)).toBeLessThan(250);
  });

  it("refuses a token revoked by hand-written SQL, or deleted, on every replica", async () => {
    await activeEverywhere();
    await query("update tokens set revoked_at = $1 where id = $2", ["2026-06-01T00:00:00.000Z", id]);
    expect(await msUntilRefused(here, id, 1_000)).toBeLessThan(250);
    expect(await msUntilRefused(elsewhere, id, 1_000)).toBeLessThan(250);

    await activeEverywhere();
    await query("delete from tokens where id = $1", [id]);
    expect(await msUntilRefused(elsewhere, id, 1_000)).toBeLessThan(250);
    expect(await elsewhere.tokens.standing(id)).toBe("unknown");
  });

  it("reads the store on every request while its connection to the database stalls, within a second", async () => {
    await activeEverywhere();
    // Both feeds' backends stopped: their connections stay open and answer nothing, as over a partition.
    const pids = await feedBackends();
    expect(pids).toHaveLength(2);
    for (const backend of pids) execFileSync("kill", ["-STOP", String(backend)]);
    try {
      // A revoke the stalled feeds cannot hear; the pool's own connections are not stalled.
      await query("update tokens set revoked_at = $1 where id = $2", ["2026-06-01T00:00:00.000Z", id]);
      // Unheard, the change is refused once the feeds' last proof is a second old: reads go to the store.
      const [there, mine] = await Promise.all([
        msUntilRefused(elsewhere, id, 3_000),
        msUntilRefused(here, id, 3_000),
      ]);
      expect(there).toBeLessThan(1_500);
      expect(mine).toBeLessThan(1_500);
    } finally {
      for (const backend of pids) execFileSync("kill", ["-CONT", String(backend)]);
    }
  });

  it("forgets what it kept when its feed's connection is cut, and keeps again once it listens anew", async () => {
    await activeEverywhere();
    for (const pid of await feedBackends()) await query("select pg_terminate_backend($1)", [pid]);
    await revokeSilently(id);
    expect(await msUntilRefused(elsewhere, id, 1_000)).toBeLessThan(250);
    // Back within its retry: a token read now is kept again, so a change nobody is told of goes unseen.
    await feedsLive();
    expect(await keptEverywhere()).toBeLessThan(20);
  });
});
