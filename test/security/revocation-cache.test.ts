// Attacks on what a replica keeps of the tokens it read as active (src/store/postgres/active-tokens.ts): each
// is a way a revocation, or a token's absence, could go unnoticed while the replica still answers "active"
// where a read of the store would refuse. Each test compares with a store that reads every time.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres/open.js";
import { FEED_APPLICATION_NAME } from "../../src/store/postgres/token-changes.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";
import { routingProxy, silently, viaProxy } from "../support/postgres-proxy.js";
import { storedToken } from "../support/stored-token.js";

const REVOKED = "2026-06-01T00:00:00.000Z";

/** What a store that reads every time answers. */
async function readEveryTime(url: string, id: string) {
  const plain = await openPostgresStore(url, { tokenChanges: false });
  try {
    return await plain.tokens.standing(id);
  } finally {
    await plain.close();
  }
}

/** Until the store keeps what it reads: a token read, revoked silently, still answered active. */
async function keeping(store: PostgresStore, client: pg.Client, probe: string): Promise<void> {
  await store.tokens.insert(storedToken(probe), null);
  for (let attempt = 0; attempt < 100; attempt++) {
    await store.tokens.standing(probe);
    await silently(client, probe);
    const kept = (await store.tokens.standing(probe)) === "active";
    await client.query("update tokens set revoked_at = null where id = $1", [probe]);
    if (kept) return;
    await sleep(50);
  }
  throw new Error("the store never kept a token it read");
}

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

describeWithPostgres("attacks on the tokens a replica keeps as active", () => {
  let database: TestDatabase;
  let sqlClient: pg.Client;
  let store: PostgresStore;

  beforeAll(async () => {
    database = await createDatabase();
    sqlClient = await connected(database.url);
    store = await openPostgresStore(database.url);
    await keeping(store, sqlClient, "probe");
  });
  afterAll(async () => {
    await store?.close();
    await sqlClient?.end();
    await database?.drop();
  });

  it("a revoked ancestor put back into the table (a restored row) shuts out its chain", async () => {
    await store.tokens.insert(storedToken("ancestor"), null);
    await store.tokens.insert(storedToken("child"), "ancestor");
    await sqlClient.query("delete from tokens where id = 'ancestor'");
    await sleep(50);
    expect(await store.tokens.standing("child")).toBe("active");
    await sqlClient.query(
      `insert into tokens (id, name, subject, scope, hosts, policy, created_by, created_at, expires_at, revoked_at)
       values ('ancestor', 'ancestor', 's', 'hosts:read', '[]', '{}', 'cli', '2026-01-01', '2027-01-01', $1)`,
      [REVOKED],
    );
    await expect.poll(() => store.tokens.standing("child"), { timeout: 1_000 }).toBe("ancestor_revoked");
    expect(await readEveryTime(database.url, "child")).toBe("ancestor_revoked");
  });

  it("tables restored over the old ones (dropped and made again) shut out a token they do not hold", async () => {
    await store.tokens.insert(storedToken("minted-after-backup"), null);
    await sleep(50);
    expect(await store.tokens.standing("minted-after-backup")).toBe("active");
    await sqlClient.query("create table tokens_restored (like tokens including all)");
    await sqlClient.query(
      "insert into tokens_restored select * from tokens where id <> 'minted-after-backup'",
    );
    await sqlClient.query("drop table tokens");
    await sqlClient.query("alter table tokens_restored rename to tokens");
    await expect.poll(() => store.tokens.standing("minted-after-backup"), { timeout: 1_500 }).toBe("unknown");
  });

  it("a revoke by a session that turned replication mode on is heard all the same", async () => {
    await store.tokens.insert(storedToken("replicated"), null);
    expect(await store.tokens.standing("replicated")).toBe("active");
    await sqlClient.query("begin; set local session_replication_role = replica");
    await sqlClient.query("update tokens set revoked_at = $1 where id = 'replicated'", [REVOKED]);
    await sqlClient.query("commit");
    await expect.poll(() => store.tokens.standing("replicated"), { timeout: 250 }).toBe("revoked");
  });
});

describeWithPostgres("attacks by moving the database under a replica", () => {
  let blue: TestDatabase;
  let green: TestDatabase;
  const opened: PostgresStore[] = [];
  const proxies: Array<{ close(): void }> = [];

  beforeAll(async () => {
    [blue, green] = await Promise.all([createDatabase(), createDatabase()]);
  });
  afterAll(async () => {
    for (const store of opened) await store.close();
    for (const proxy of proxies) proxy.close();
    await blue?.drop();
    await green?.drop();
  });

  it("keeps nothing while its feed listens to another database than its reads go to", async () => {
    // The feed's connection reaches blue, the pool's reach green: the feed hears none of green's changes.
    const proxy = await routingProxy(new URL(green.url), (startup) =>
      startup.get("application_name") === FEED_APPLICATION_NAME ? blue.name : green.name,
    );
    proxies.push(proxy);
    const store = await openPostgresStore(viaProxy(green.url, proxy));
    opened.push(store);
    const other = await openPostgresStore(green.url);
    opened.push(other);
    await sleep(1_500);
    await store.tokens.insert(storedToken("split"), null);
    expect(await store.tokens.standing("split")).toBe("active");
    await other.tokens.revoke("split", REVOKED);
    expect(await store.tokens.standing("split")).toBe("revoked");
  });

  it("a switch-over that moves its reads to a new database shuts out a token revoked there", async () => {
    let live = blue.name;
    const proxy = await routingProxy(new URL(green.url), () => live);
    proxies.push(proxy);
    const store = await openPostgresStore(viaProxy(green.url, proxy));
    const greenStore = await openPostgresStore(green.url);
    opened.push(store, greenStore);
    await store.tokens.insert(storedToken("moved"), null);
    await greenStore.tokens.insert(storedToken("moved"), null);
    const sqlBlue = await connected(blue.url);
    try {
      await keeping(store, sqlBlue, "moved-probe");
      expect(await store.tokens.standing("moved")).toBe("active");
      // The name now leads to green. The pool's connections to blue end (as idle ones do after 30 s) and
      // new ones reach green; the feed's, never idle, stays on blue.
      live = green.name;
      await sqlBlue.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name <> $2 and pid <> pg_backend_pid()",
        [blue.name, FEED_APPLICATION_NAME],
      );
      await greenStore.tokens.revoke("moved", REVOKED);
      await expect.poll(() => store.tokens.standing("moved"), { timeout: 1_500 }).toBe("revoked");
    } finally {
      await sqlBlue.end();
    }
  });
});
