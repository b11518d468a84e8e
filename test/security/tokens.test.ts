import { afterAll, beforeAll, expect, it } from "vitest";
import { type Json, readJson } from "../support/http.js";
import { describeWithRig, rig } from "../support/rig.js";
import {
  cliToken,
  type FreshServer,
  type RunningServer,
  startFreshServer,
  startServer,
} from "../support/server.js";
import { EventReader } from "../support/sse.js";

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describeWithRig("attacks on revocation and limits through minted tokens", () => {
  let server: FreshServer;

  beforeAll(async () => {
    server = await startFreshServer({ DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "" });
  });
  afterAll(() => server?.discard());

  /** POST /v1/tokens with `token`, as a bot holding it would; the answer's body (the token in `token`). */
  /** Seconds until the token expires: a token may not outlive the one that mints it. */
  const lifetimeLeft = (token: string) =>
    Math.min(
      3600,
      JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).exp -
        Math.floor(Date.now() / 1000),
    );

  async function mint(on: RunningServer, token: string, name: string, scopes: string[]): Promise<Json> {
    const res = await on.api("/v1/tokens", {
      method: "POST",
      headers: { ...bearer(token), "Content-Type": "application/json" },
      body: JSON.stringify({ name, scopes, hosts: ["*"], ttl: String(lifetimeLeft(token) - 5) }),
    });
    return { status: res.status, ...(await readJson(res)) };
  }

  const statusWith = async (on: RunningServer, token: string) =>
    (await on.api("/v1/hosts", { headers: bearer(token) })).status;

  const revokedIds = async (on: RunningServer) =>
    new Set(
      (await readJson(await on.api("/v1/tokens"))).items
        .filter((entry: Json) => entry.revokedAt !== null)
        .map((entry: Json) => entry.id),
    );

  /** A chain of tokens, each minted by the one before: the first by the admin. */
  async function chain(on: RunningServer, ...names: string[]): Promise<Json[]> {
    const minted: Json[] = [];
    for (const name of names) {
      const entry = await mint(on, minted.at(-1)?.token ?? on.token, name, ["tokens:write", "hosts:read"]);
      expect(entry.status).toBe(201);
      minted.push(entry);
    }
    return minted;
  }

  it("revoking a token also shuts out the tokens it minted and theirs", async () => {
    const [parent, child, grandchild] = await chain(server, "parent", "child", "grandchild");
    for (const entry of [parent, child, grandchild]) expect(await statusWith(server, entry.token)).toBe(200);

    // The parent revokes itself, as a bot would on its way out; what it handed out must go with it.
    const revoke = await server.api(`/v1/tokens/${parent.id}`, {
      method: "DELETE",
      headers: bearer(parent.token),
    });
    expect(revoke.status).toBe(204);

    for (const entry of [parent, child, grandchild]) expect(await statusWith(server, entry.token)).toBe(401);
    expect((await mint(server, child.token, "one-more", ["hosts:read"])).status).toBe(401);
    expect((await mint(server, grandchild.token, "one-more", ["hosts:read"])).status).toBe(401);
    const revoked = await revokedIds(server);
    for (const entry of [parent, child, grandchild]) expect(revoked.has(entry.id)).toBe(true);
  });

  it("revoking a child shuts out neither the token that minted it nor its siblings", async () => {
    const [parent, child] = await chain(server, "parent", "child");
    const sibling = await mint(server, parent.token, "sibling", ["hosts:read"]);
    expect(
      (await server.api(`/v1/tokens/${child.id}`, { method: "DELETE", headers: bearer(parent.token) }))
        .status,
    ).toBe(204);
    expect(await statusWith(server, child.token)).toBe(401);
    expect(await statusWith(server, parent.token)).toBe(200);
    expect(await statusWith(server, sibling.token)).toBe(200);
  });

  it("a grandchild minted while its grandparent is being revoked is shut out too", async () => {
    const [parent, child] = await chain(server, "parent", "child");
    const racing = Array.from({ length: 30 }, (_, index) =>
      mint(server, child.token, `racer-${index}`, ["hosts:read"]),
    );
    const [revoke, ...minted] = await Promise.all([
      server.api(`/v1/tokens/${parent.id}`, { method: "DELETE" }),
      ...racing,
    ]);
    expect(revoke.status).toBe(204);
    const revoked = await revokedIds(server);
    for (const entry of minted.filter((attempt) => attempt.status === 201)) {
      expect(await statusWith(server, entry.token)).toBe(401);
      expect(revoked.has(entry.id)).toBe(true);
    }
    // Every other attempt was refused as the revoked token it came from.
    for (const entry of minted.filter((attempt) => attempt.status !== 201)) expect(entry.status).toBe(401);
  });

  it("a token revoked through one replica shuts out its grandchildren on another replica at once", async () => {
    const other = await startServer({ PORTCALL_DATA_DIR: server.dataDir });
    try {
      const [parent, child] = await chain(server, "parent", "child");
      const grandchild = await mint(other, child.token, "grandchild", ["hosts:read"]);
      expect(await statusWith(other, grandchild.token)).toBe(200);
      expect((await server.api(`/v1/tokens/${parent.id}`, { method: "DELETE" })).status).toBe(204);
      expect(await statusWith(other, grandchild.token)).toBe(401);
      expect(await statusWith(other, child.token)).toBe(401);
    } finally {
      other.child.kill("SIGKILL");
    }
  });

  it("tokens minted from one token share its stream limit: the 21st stream is refused, whichever child opens it", async () => {
    const env = { PORTCALL_DATA_DIR: server.dataDir };
    // A bot's token, as an operator makes it: a subject of its own, which its children act for.
    const bot = await cliToken(env, "--name", "bot", "--scope", "tokens:write", "--scope", "events:read");
    const children: Json[] = [];
    for (let index = 0; index < 15; index++) {
      const child = await mint(server, bot, `child-${index}`, ["tokens:write", "events:read"]);
      expect(child.status).toBe(201);
      children.push(child);
    }
    const grandchild = await mint(server, children[0].token, "grandchild", ["events:read"]);
    const open = (token: string) =>
      server.api("/v1/events?type=container", { headers: { ...bearer(token), Accept: "text/event-stream" } });
    const readers: EventReader[] = [];
    try {
      for (let index = 0; index < 20; index++) {
        const res = await open(children[index % children.length].token);
        expect(res.status).toBe(200);
        readers.push(new EventReader(res));
      }
      for (const token of [bot, children[3].token, children[14].token, grandchild.token]) {
        const refused = await open(token);
        expect(refused.status).toBe(429);
        expect(refused.headers.get("retry-after")).toBe("1");
        expect((await readJson(refused)).code).toBe("too_many_requests");
      }
      // Another subject is not held back by them.
      const admin = await open(server.token);
      expect(admin.status).toBe(200);
      readers.push(new EventReader(admin));

      // A stream that ends gives its slot back to the whole family.
      await readers.shift()?.close();
      await expect
        .poll(async () => {
          const res = await open(grandchild.token);
          if (res.status === 200) readers.push(new EventReader(res));
          else await res.body?.cancel();
          return res.status;
        })
        .toBe(200);
    } finally {
      await Promise.all(readers.map((reader) => reader.close()));
    }
  });
});
