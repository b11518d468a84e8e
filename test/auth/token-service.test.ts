import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.js";
import type { Scope } from "../../src/auth/scopes.js";
import { generateSigningKey, type SigningKey } from "../../src/auth/signing-key.js";
import { TokenService } from "../../src/auth/token-service.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/open.js";
import { TEST_TOKEN_OPTIONS } from "../support/app.js";

const SCOPES: Scope[] = ["tokens:write", "hosts:read"];

describe("transitive revocation in the token service", () => {
  let dir: string;
  let key: SigningKey;
  const stores: SqliteStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcall-tokens-"));
    key = await generateSigningKey();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A token service over the shared store file: each one stands for a replica with its own connection. */
  async function replica(): Promise<TokenService> {
    const store = await openSqliteStore(dir);
    stores.push(store);
    return new TokenService(store.tokens, key, TEST_TOKEN_OPTIONS);
  }

  async function mintFrom(tokens: TokenService, creator: Principal | "cli", name: string) {
    const { token, metadata } = await tokens.mint(creator, {
      name,
      scopes: SCOPES,
      hosts: ["*"],
      ttlSeconds: 600,
    });
    return { token, id: metadata.id, principal: await tokens.authenticate(token) };
  }

  const refusal = (tokens: TokenService, token: string) =>
    tokens.authenticate(token).then(
      () => "accepted",
      (error: { code?: string }) => error.code,
    );

  it("refuses the children and grandchildren of a revoked token, and lists them revoked, parent and sibling untouched", async () => {
    const tokens = await replica();
    const root = await mintFrom(tokens, "cli", "root");
    const parent = await mintFrom(tokens, root.principal, "parent");
    const child = await mintFrom(tokens, parent.principal, "child");
    const grandchild = await mintFrom(tokens, child.principal, "grandchild");
    const sibling = await mintFrom(tokens, root.principal, "sibling");

    await tokens.revoke(parent.id);

    for (const revoked of [parent, child, grandchild])
      expect(await refusal(tokens, revoked.token)).toBe("invalid_token");
    for (const alive of [root, sibling]) expect(await refusal(tokens, alive.token)).toBe("accepted");
    const listed = new Map((await tokens.list()).map((entry) => [entry.id, entry.revokedAt]));
    expect([parent, child, grandchild].map((entry) => listed.get(entry.id))).toEqual([
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    expect(listed.get(sibling.id)).toBeNull();
  });

  it("refuses a token whose ancestor is revoked even where no revoke stamped it", async () => {
    const tokens = await replica();
    const parent = await mintFrom(tokens, "cli", "parent");
    const child = await mintFrom(tokens, parent.principal, "child");
    // As another portcall version might have left it: only the parent carries the mark.
    await stores[0]?.db
      .updateTable("tokens")
      .set({ revoked_at: new Date().toISOString() })
      .where("id", "=", parent.id)
      .execute();
    expect(await refusal(tokens, child.token)).toBe("invalid_token");
    await expect(tokens.authenticate(child.token)).rejects.toThrow(/chain that minted it was revoked/);
  });

  it("refuses to mint from a token revoked after it authenticated, on another replica", async () => {
    const [first, second] = [await replica(), await replica()];
    const parent = await mintFrom(first, "cli", "parent");
    const child = await mintFrom(first, parent.principal, "child");
    // The child's request authenticated before the revoke landed; its mint comes after.
    await second.revoke(parent.id);
    await expect(
      first.mint(child.principal, { name: "late", scopes: SCOPES, hosts: ["*"], ttlSeconds: 60 }),
    ).rejects.toMatchObject({ code: "invalid_token" });
    expect((await first.list()).map((entry) => entry.name)).not.toContain("late");
  });

  it("leaves no grandchild alive when mints race the revoke of the grandparent across replicas", async () => {
    const [first, second] = [await replica(), await replica()];
    for (let round = 0; round < 5; round++) {
      const parent = await mintFrom(first, "cli", `parent-${round}`);
      const child = await mintFrom(first, parent.principal, `child-${round}`);
      const mints = Array.from({ length: 20 }, (_, index) =>
        first
          .mint(child.principal, {
            name: `g-${round}-${index}`,
            scopes: SCOPES,
            hosts: ["*"],
            ttlSeconds: 60,
          })
          .then(
            (minted) => minted,
            () => undefined,
          ),
      );
      const [revoked, ...minted] = await Promise.all([second.revoke(parent.id), ...mints]);
      expect(revoked.revokedAt).not.toBeNull();
      for (const grandchild of minted.filter((entry) => entry !== undefined)) {
        expect(await refusal(second, grandchild.token)).toBe("invalid_token");
        expect(
          (await second.list()).find((entry) => entry.id === grandchild.metadata.id)?.revokedAt,
        ).not.toBeNull();
      }
    }
  });
});
