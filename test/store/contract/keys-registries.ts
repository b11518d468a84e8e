import { describe, expect, it } from "vitest";
import type { KeyClaim } from "../../../src/store/ports/idempotency.js";
import type { Store } from "../../../src/store/ports/store.js";

const scope = { principal: "portcall:ci:abc", operation: "createRun", key: "k-1" };
const LEASE = "2026-01-01T00:00:30.000Z";
const OWNER = "claim-a";
const claim = (hash = "h1", expiresAt = "2026-01-02T00:00:00.000Z", owner = OWNER): KeyClaim => ({
  owner,
  requestHash: hash,
  createdAt: "2026-01-01T00:00:00.000Z",
  expiresAt,
  leaseUntil: LEASE,
});

export function idempotencyContract(store: () => Store): void {
  describe("idempotency keys", () => {
    it("claims a key once, then keeps the answer it was completed with", async () => {
      const { idempotency } = store();
      expect(await idempotency.find(scope)).toBeUndefined();
      expect(await idempotency.claim(scope, claim())).toBe(true);
      expect(await idempotency.claim(scope, claim("h2"))).toBe(false);
      expect(await idempotency.find(scope)).toEqual({ requestHash: "h1", response: null, leaseUntil: LEASE });
      const response = { body: { id: "run_1", nested: [1, { a: null }] } };
      expect(await idempotency.complete(scope, OWNER, response)).toBe(true);
      expect(await idempotency.find(scope)).toEqual({ requestHash: "h1", response, leaseUntil: null });
    });

    it("keeps keys of other callers and operations apart", async () => {
      const { idempotency } = store();
      await idempotency.claim(scope, claim("mine"));
      expect(await idempotency.claim({ ...scope, principal: "portcall:other:abc" }, claim("theirs"))).toBe(
        true,
      );
      expect(await idempotency.claim({ ...scope, operation: "createContainer" }, claim("op"))).toBe(true);
      await idempotency.complete(scope, OWNER, { body: null });
      expect(await idempotency.find({ ...scope, operation: "createContainer" })).toEqual({
        requestHash: "op",
        response: null,
        leaseUntil: LEASE,
      });
      expect((await idempotency.find(scope))?.response).toEqual({ body: null });
    });

    it("renews a pending claim's lease, and lets a lapsed claim go but never a live or answered one", async () => {
      const { idempotency } = store();
      const answered = { ...scope, key: "k-answered" };
      await idempotency.claim(scope, claim());
      await idempotency.claim(answered, claim());
      await idempotency.complete(answered, OWNER, { body: 1 });
      expect(await idempotency.releaseLapsed(scope, "2026-01-01T00:00:10.000Z")).toBe(false);
      expect(await idempotency.renew(scope, OWNER, "2026-01-01T00:01:00.000Z")).toBe(true);
      expect(await idempotency.renew(answered, OWNER, "2026-01-01T00:01:00.000Z")).toBe(false);
      expect((await idempotency.find(scope))?.leaseUntil).toBe("2026-01-01T00:01:00.000Z");
      expect(await idempotency.releaseLapsed(scope, "2026-01-01T00:00:45.000Z")).toBe(false);
      expect(await idempotency.releaseLapsed(scope, "2026-01-01T00:01:01.000Z")).toBe(true);
      expect(await idempotency.find(scope)).toBeUndefined();
      expect(await idempotency.releaseLapsed(answered, "2027-01-01T00:00:00.000Z")).toBe(false);
      expect((await idempotency.find(answered))?.response).toEqual({ body: 1 });
    });

    it("forgets a released key, so it can be claimed again", async () => {
      const { idempotency } = store();
      await idempotency.claim(scope, claim());
      await idempotency.release(scope, OWNER);
      expect(await idempotency.find(scope)).toBeUndefined();
      expect(await idempotency.claim(scope, claim("again"))).toBe(true);
    });

    it("lets a claimer whose claim was taken over neither renew, answer nor release the new owner's", async () => {
      const { idempotency } = store();
      await idempotency.claim(scope, claim("h1", undefined, "claim-a"));
      // Claim A's lease lapsed (its renewals failed), and claim B took the key over.
      expect(await idempotency.releaseLapsed(scope, "2026-01-01T00:00:31.000Z")).toBe(true);
      expect(await idempotency.claim(scope, claim("h1", undefined, "claim-b"))).toBe(true);

      expect(await idempotency.renew(scope, "claim-a", "2026-01-01T01:00:00.000Z")).toBe(false);
      expect(await idempotency.complete(scope, "claim-a", { body: "from A" })).toBe(false);
      await idempotency.release(scope, "claim-a");
      expect(await idempotency.find(scope)).toEqual({ requestHash: "h1", response: null, leaseUntil: LEASE });

      expect(await idempotency.complete(scope, "claim-b", { body: "from B" })).toBe(true);
      expect(await idempotency.complete(scope, "claim-b", { body: "again" })).toBe(false);
      await idempotency.release(scope, "claim-b");
      expect((await idempotency.find(scope))?.response).toEqual({ body: "from B" });
    });

    it("forgets the keys that expired, answered or not, and only those", async () => {
      const { idempotency } = store();
      const other = { ...scope, key: "k-2" };
      const fresh = { ...scope, key: "k-3" };
      await idempotency.claim(scope, claim("h", "2026-01-01T10:00:00.000Z"));
      await idempotency.complete(scope, OWNER, { body: {} });
      await idempotency.claim(other, claim("h", "2026-01-01T11:00:00.000Z"));
      await idempotency.claim(fresh, claim("h", "2026-01-01T13:00:00.000Z"));
      await idempotency.purgeExpired("2026-01-01T12:00:00.000Z");
      expect(await idempotency.find(scope)).toBeUndefined();
      expect(await idempotency.find(other)).toBeUndefined();
      expect(await idempotency.find(fresh)).toBeDefined();
    });
  });
}

export function registriesContract(store: () => Store): void {
  describe("registries", () => {
    const entry = (address: string, at: string, username = "ci") => ({
      address,
      username,
      secret: `sealed-for-${username}`,
      createdAt: at,
      updatedAt: at,
    });
    const T1 = "2026-01-01T00:00:00.000Z";
    const T2 = "2026-02-01T00:00:00.000Z";

    it("stores new credentials, and replaces them keeping when they were first stored", async () => {
      const { registries } = store();
      expect(await registries.put(entry("ghcr.io", T1))).toEqual({
        summary: { address: "ghcr.io", username: "ci", createdAt: T1, updatedAt: T1 },
        created: true,
      });
      expect(await registries.put(entry("ghcr.io", T2, "bot"))).toEqual({
        summary: { address: "ghcr.io", username: "bot", createdAt: T1, updatedAt: T2 },
        created: false,
      });
      expect(await registries.get("ghcr.io")).toEqual({ ...entry("ghcr.io", T1, "bot"), updatedAt: T2 });
      expect(await registries.get("quay.io")).toBeUndefined();
    });

    it("lists by address without the secret, and removes", async () => {
      const { registries } = store();
      await registries.put(entry("registry.example:5000", T1));
      await registries.put(entry("docker.io", T1));
      expect(await registries.list()).toEqual([
        { address: "docker.io", username: "ci", createdAt: T1, updatedAt: T1 },
        { address: "registry.example:5000", username: "ci", createdAt: T1, updatedAt: T1 },
      ]);
      expect(await registries.remove("docker.io")).toBe(true);
      expect(await registries.remove("docker.io")).toBe(false);
      expect((await registries.list()).map((item) => item.address)).toEqual(["registry.example:5000"]);
    });
  });
}
