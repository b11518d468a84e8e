import { describe, expect, it } from "vitest";
import type { Store } from "../../../src/store/ports/store.js";
import type { TokenRecord } from "../../../src/store/ports/tokens.js";

/** What a contract test needs of an implementation beyond the ports. */
export type StoreHarness<S extends Store = Store> = {
  /** A new, empty store. */
  open(): Promise<S>;
  /**
   * Marks only this token revoked, not what it minted, as another portcall version may have left the store;
   * left out where that cannot be written.
   */
  revokeOnly?(store: S, id: string, at: string): Promise<void>;
};

const token = (id: string, createdAt = "2026-01-01T00:00:00.000Z"): TokenRecord => ({
  id,
  name: `name of ${id}`,
  subject: `token:${id}`,
  scopes: ["tokens:write", "hosts:read"],
  hosts: ["*", "label:pool=ci"],
  policy: { binds: ["/srv/*"], images: { allow: ["docker.io/*"] } },
  createdBy: "cli",
  createdAt,
  expiresAt: "2027-01-01T00:00:00.000Z",
  revokedAt: null,
  lastUsedAt: null,
});

const AT = "2026-03-01T00:00:00.000Z";

export function tokensContract<S extends Store>(store: () => S, harness: StoreHarness<S>): void {
  describe("tokens", () => {
    /** root ─ parent ─ child ─ grandchild, and root ─ sibling. */
    async function family() {
      const { tokens } = store();
      const inserted = [await tokens.insert(token("root"), null)];
      for (const [id, parent] of [
        ["parent", "root"],
        ["child", "parent"],
        ["grandchild", "child"],
        ["sibling", "root"],
      ] as const) {
        inserted.push(await tokens.insert({ ...token(id), createdBy: parent }, parent));
      }
      expect(inserted.every(Boolean)).toBe(true);
      return tokens;
    }

    it("keeps every field of a token, and lists the newest first", async () => {
      const { tokens } = store();
      const first = token("first", "2026-01-01T00:00:00.000Z");
      const second = {
        ...token("second", "2026-01-02T00:00:00.000Z"),
        createdBy: "oidc:someone",
        scopes: [],
      };
      await tokens.insert(first, null);
      await tokens.insert(second, null);
      expect(await tokens.get("first")).toEqual(first);
      expect(await tokens.get("unknown")).toBeUndefined();
      expect(await tokens.list()).toEqual([second, first]);
    });

    it("revokes a token with everything below it, at once, leaving its ancestors and siblings", async () => {
      const tokens = await family();
      expect((await tokens.revoke("parent", AT)).sort()).toEqual(["child", "grandchild", "parent"]);
      const revokedAt = new Map((await tokens.list()).map((entry) => [entry.id, entry.revokedAt]));
      expect(Object.fromEntries(revokedAt)).toEqual({
        root: null,
        parent: AT,
        child: AT,
        grandchild: AT,
        sibling: null,
      });
      expect(await tokens.standing("grandchild")).toBe("revoked");
      expect(await tokens.standing("root")).toBe("active");
      expect(await tokens.standing("nobody")).toBe("unknown");
    });

    it("keeps the first revocation time, and marks nothing for an unknown token", async () => {
      const tokens = await family();
      await tokens.revoke("child", AT);
      expect(await tokens.revoke("parent", "2026-04-01T00:00:00.000Z")).toEqual(["parent"]);
      expect((await tokens.get("grandchild"))?.revokedAt).toBe(AT);
      expect(await tokens.revoke("nobody", AT)).toEqual([]);
    });

    it("stores nothing below a revoked token, however far up it is", async () => {
      const tokens = await family();
      await tokens.revoke("parent", AT);
      expect(await tokens.insert(token("late"), "child")).toBe(false);
      expect(await tokens.insert(token("later"), "parent")).toBe(false);
      expect(await tokens.get("late")).toBeUndefined();
      expect(await tokens.get("later")).toBeUndefined();
      expect(await tokens.insert(token("fine"), "sibling")).toBe(true);
      expect(await tokens.standing("fine")).toBe("active");
    });

    it("leaves no token alive below a revoke that raced its insert", async () => {
      const tokens = await family();
      const inserts = Array.from({ length: 20 }, (_, index) =>
        tokens.insert(token(`racer-${index}`), "grandchild"),
      );
      const [, ...stored] = await Promise.all([tokens.revoke("parent", AT), ...inserts]);
      for (const [index, kept] of stored.entries()) {
        expect(await tokens.standing(`racer-${index}`)).toBe(kept ? "revoked" : "unknown");
      }
    });

    it.skipIf(!harness.revokeOnly)("tells a token whose ancestor alone carries the mark", async () => {
      const tokens = await family();
      await harness.revokeOnly?.(store(), "root", AT);
      expect(await tokens.standing("root")).toBe("revoked");
      expect(await tokens.standing("grandchild")).toBe("ancestor_revoked");
    });

    it("records last uses together, skipping tokens it does not know", async () => {
      const tokens = await family();
      await tokens.recordUse([]);
      await tokens.recordUse([
        ["root", "2026-02-01T00:00:00.000Z"],
        ["nobody", "2026-02-01T00:00:00.000Z"],
        ["child", "2026-02-02T00:00:00.000Z"],
      ]);
      expect((await tokens.get("root"))?.lastUsedAt).toBe("2026-02-01T00:00:00.000Z");
      expect((await tokens.get("child"))?.lastUsedAt).toBe("2026-02-02T00:00:00.000Z");
      expect((await tokens.get("parent"))?.lastUsedAt).toBeNull();
    });
  });
}
