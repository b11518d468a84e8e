import { describe, expect, it } from "vitest";
import { IdempotencyKeys } from "../../src/idempotency/idempotency-keys.js";
import { openStore } from "../../src/store/open-store.js";

const scope = { principal: "portcall:ci", operation: "createRun", key: "k-1" };

describe("Idempotency-Key bookkeeping", () => {
  it("does the work once and replays its answer for the same input, whatever the key order", async () => {
    const keys = new IdempotencyKeys((await openStore(":memory:")).idempotency);
    let calls = 0;
    const work = async () => ({ body: { n: ++calls } });
    const first = await keys.once(scope, { a: 1, b: [1, 2] }, work);
    const again = await keys.once(scope, { b: [1, 2], a: 1 }, work);
    expect(first).toEqual({ body: { n: 1 }, replayed: false });
    expect(again).toEqual({ ...first, replayed: true });
    expect(calls).toBe(1);
  });

  it("makes concurrent requests with one key wait for the first instead of working twice", async () => {
    const keys = new IdempotencyKeys((await openStore(":memory:")).idempotency);
    let calls = 0;
    const slow = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { body: { run: "r" } };
    };
    const answers = await Promise.all([1, 2, 3].map(() => keys.once(scope, {}, slow)));
    expect(calls).toBe(1);
    expect(answers.filter((answer) => answer.replayed)).toHaveLength(2);
  });

  it("refuses the key with another body, keeps nothing of a failure, and forgets keys after their day", async () => {
    const store = await openStore(":memory:");
    const keys = new IdempotencyKeys(store.idempotency, 50);
    const ok = async () => ({ body: {} });
    await keys.once(scope, { cmd: "a" }, ok);
    await expect(keys.once(scope, { cmd: "b" }, ok)).rejects.toMatchObject({ code: "idempotency_key_reuse" });

    const other = { ...scope, key: "k-2" };
    await expect(keys.once(other, {}, () => Promise.reject(new Error("daemon down")))).rejects.toThrow();
    expect((await keys.once(other, {}, ok)).replayed).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await keys.once(scope, { cmd: "b" }, ok)).replayed).toBe(false);
  });
});
