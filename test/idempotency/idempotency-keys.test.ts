import { describe, expect, it } from "vitest";
import { IdempotencyKeys } from "../../src/idempotency/idempotency-keys.js";
import { createLogger } from "../../src/logging/logger.js";
import { openStore } from "../../src/store/open-store.js";
import type { IdempotencyStore } from "../../src/store/ports/idempotency.js";

const scope = { principal: "portcall:ci", operation: "createRun", key: "k-1" };

/** The store as a replica cut off from it sees it when renewing: every renewal fails, the rest still works. */
function renewalsFailing(store: IdempotencyStore): IdempotencyStore {
  return {
    find: (key) => store.find(key),
    claim: (key, claim) => store.claim(key, claim),
    renew: () => Promise.reject(new Error("Connection terminated unexpectedly")),
    releaseLapsed: (key, now) => store.releaseLapsed(key, now),
    complete: (key, owner, response) => store.complete(key, owner, response),
    release: (key, owner) => store.release(key, owner),
    purgeExpired: (now) => store.purgeExpired(now),
  };
}

/** A promise and the function that settles it, to order two replicas' steps without timing them. */
function signal<T = void>(): { promise: Promise<T>; settle: (value: T) => void } {
  let settle: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => {
    settle = resolve;
  });
  return { promise, settle };
}

/** Replica A, whose renewals fail, and replica B over the same store; A's warnings are in `logged`. */
async function cutOffReplica() {
  const store = (await openStore(":memory:")).idempotency;
  const logged: { message: string; error?: string }[] = [];
  const logger = createLogger("warn", (line) => logged.push(JSON.parse(line)));
  const a = new IdempotencyKeys(renewalsFailing(store), { leaseMs: 60, pollMs: 10 }, logger);
  const b = new IdempotencyKeys(store, { pollMs: 10 });
  return { store, a, b, logged };
}

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
    const keys = new IdempotencyKeys(store.idempotency, { ttlMs: 50 });
    const ok = async () => ({ body: {} });
    await keys.once(scope, { cmd: "a" }, ok);
    await expect(keys.once(scope, { cmd: "b" }, ok)).rejects.toMatchObject({ code: "idempotency_key_reuse" });

    const other = { ...scope, key: "k-2" };
    await expect(keys.once(other, {}, () => Promise.reject(new Error("daemon down")))).rejects.toThrow();
    expect((await keys.once(other, {}, ok)).replayed).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await keys.once(scope, { cmd: "b" }, ok)).replayed).toBe(false);
  });

  it("makes a retry sent to another process over the same store wait for the first answer, never work twice", async () => {
    const store = await openStore(":memory:");
    // Two replicas: each its own bookkeeping (and in-process map), one store between them.
    const [a, b] = [1, 2].map(() => new IdempotencyKeys(store.idempotency, { pollMs: 10 }));
    let calls = 0;
    const slow = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { body: { container: "c-1" } };
    };
    const [first, second] = await Promise.all([a?.once(scope, {}, slow), b?.once(scope, {}, slow)]);
    expect(calls).toBe(1);
    expect([first?.replayed, second?.replayed].sort()).toEqual([false, true]);
    expect(second?.body).toEqual({ container: "c-1" });
  });

  it("takes over a key whose claimer died mid-request once its lease lapses", async () => {
    const store = await openStore(":memory:");
    const now = Date.now();
    // What a process killed while answering leaves behind: a claim nobody renews.
    await store.idempotency.claim(scope, {
      owner: "a-killed-replica",
      requestHash: "whatever",
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 60_000).toISOString(),
      leaseUntil: new Date(now + 50).toISOString(),
    });
    const keys = new IdempotencyKeys(store.idempotency, { pollMs: 10 });
    // Another body's claim is no reuse while it is a dead claim: the lapsed claim is forgotten first.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const answer = await keys.once(scope, {}, async () => ({ body: "done" }));
    expect(answer).toEqual({ body: "done", replayed: false });
  });

  it("answers 409 when another process holds the key past the longest wait", async () => {
    const store = await openStore(":memory:");
    const holder = new IdempotencyKeys(store.idempotency, { leaseMs: 60_000 });
    const waiter = new IdempotencyKeys(store.idempotency, { pollMs: 10, maxWaitMs: 50 });
    let release = () => {};
    const held = holder.once(
      scope,
      {},
      () => new Promise((resolve) => (release = () => resolve({ body: 1 }))),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(waiter.once(scope, {}, async () => ({ body: 2 }))).rejects.toMatchObject({
      code: "conflict",
    });
    release();
    expect(await held).toEqual({ body: 1, replayed: false });
  });

  it("a replica whose claim was taken over cannot overwrite the new owner's answer; its caller still gets its own", async () => {
    const { store, a, b, logged } = await cutOffReplica();
    const aWorking = signal();
    const bWorking = signal();
    const aAnswered = signal();
    const first = a.once(scope, {}, async () => {
      aWorking.settle();
      // A works on until B, having taken the lapsed claim over, works too: two containers, as it happens.
      await bWorking.promise;
      return { body: { container: "from-a" } };
    });
    await aWorking.promise;
    const second = b.once(scope, {}, async () => {
      bWorking.settle();
      await aAnswered.promise;
      return { body: { container: "from-b" } };
    });
    expect(await first).toEqual({ body: { container: "from-a" }, replayed: false });
    // A retry now is no replay of A's answer: it waits for B's, the one the key keeps from then on.
    const retry = new IdempotencyKeys(store, { pollMs: 10 }).once(scope, {}, async () => ({ body: "never" }));
    aAnswered.settle();
    expect(await second).toEqual({ body: { container: "from-b" }, replayed: false });
    expect(await retry).toEqual({ body: { container: "from-b" }, replayed: true });
    expect((await store.find(scope))?.response).toEqual({ body: { container: "from-b" } });
    expect(logged).toContainEqual(
      expect.objectContaining({
        message: "cannot renew an idempotency claim's lease",
        error: "Connection terminated unexpectedly",
      }),
    );
    expect(logged.map((line) => line.message)).toContain(
      "an idempotency claim was taken over before its answer was kept: this answer is not replayed",
    );
  });

  it("a replica whose claim was taken over cannot release the new owner's claim when its own work fails", async () => {
    const { store, a, b } = await cutOffReplica();
    const aWorking = signal();
    const bWorking = signal();
    const aFailed = signal();
    const first = a.once(scope, {}, async () => {
      aWorking.settle();
      await bWorking.promise;
      throw new Error("daemon down");
    });
    await aWorking.promise;
    const second = b.once(scope, {}, async () => {
      bWorking.settle();
      await aFailed.promise;
      return { body: { container: "from-b" } };
    });
    await expect(first).rejects.toThrow("daemon down");
    // B still holds the key: a third replica waits for B's answer instead of making another container.
    expect(await store.find(scope)).toMatchObject({ response: null });
    const third = new IdempotencyKeys(store, { pollMs: 10 }).once(scope, {}, async () => ({ body: "never" }));
    aFailed.settle();
    expect(await second).toEqual({ body: { container: "from-b" }, replayed: false });
    expect(await third).toEqual({ body: { container: "from-b" }, replayed: true });
  });
});
