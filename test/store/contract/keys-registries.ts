import { describe, expect, it } from "vitest";
import type { KeyClaim } from "../../../src/store/ports/idempotency.js";
import type { Store } from "../../../src/store/ports/store.js";

const scope = { principal: "portcall:ci:abc", operation: "createRun", key: "k-1" };
const claim = (hash = "h1", expiresAt = "2026-01-02T00:00:00.000Z"): KeyClaim => ({
  requestHash: hash,
  createdAt: "2026-01-01T00:00:00.000Z",
  expiresAt,
});

export function idempotencyContract(store: () => Store): void {
  describe("idempotency keys", () => {
    it("claims a key once, then keeps the answer it was completed with", async () => {
      const { idempotency } = store();
      expect(await idempotency.find(scope)).toBeUndefined();
      expect(await idempotency.claim(scope, claim())).toBe(true);
      expect(await idempotency.claim(scope, claim("h2"))).toBe(false);
      expect(await idempotency.find(scope)).toEqual({ requestHash: "h1", response: null });
      const response = { body: { id: "run_1", nested: [1, { a: null }] } };
      await idempotency.complete(scope, response);
      expect(await idempotency.find(scope)).toEqual({ requestHash: "h1", response });
    });

    it("keeps keys of other callers and operations apart", async () => {
      const { idempotency } = store();
      await idempotency.claim(scope, claim("mine"));
      expect(await idempotency.claim({ ...scope, principal: "portcall:other:abc" }, claim("theirs"))).toBe(
        true,
      );
      expect(await idempotency.claim({ ...scope, operation: "createContainer" }, claim("op"))).toBe(true);
      await idempotency.complete(scope, { body: null });
      expect(await idempotency.find({ ...scope, operation: "createContainer" })).toEqual({
        requestHash: "op",
        response: null,
      });
      expect((await idempotency.find(scope))?.response).toEqual({ body: null });
    });

    it("forgets a released key, so it can be claimed again", async () => {
      const { idempotency } = store();
      await idempotency.claim(scope, claim());
      await idempotency.release(scope);
      expect(await idempotency.find(scope)).toBeUndefined();
      expect(await idempotency.claim(scope, claim("again"))).toBe(true);
    });

    it("forgets the keys that expired, answered or not, and only those", async () => {
      const { idempotency } = store();
      const other = { ...scope, key: "k-2" };
      const fresh = { ...scope, key: "k-3" };
      await idempotency.claim(scope, claim("h", "2026-01-01T10:00:00.000Z"));
      await idempotency.complete(scope, { body: {} });
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
