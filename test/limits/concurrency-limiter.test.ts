import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors/api-error.js";
import { ConcurrencyLimiter, limitHolder } from "../../src/limits/concurrency-limiter.js";

describe("a subject's concurrency limits", () => {
  it("refuses past the limit with 429 and Retry-After, and gives the slot back once", () => {
    const limiter = new ConcurrencyLimiter({ runs: 1, exec: 2, streams: 1 });
    const release = limiter.acquire("token-a", "runs");
    let refusal: unknown;
    try {
      limiter.acquire("token-a", "runs");
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({
      code: "too_many_requests",
      status: 429,
      headers: { "Retry-After": "5" },
    });
    release();
    release();
    expect(limiter.inUse("token-a", "runs")).toBe(0);
    expect(() => limiter.acquire("token-a", "runs")).not.toThrow();
  });

  it("counts the tokens of one subject together, and the same subject name at another issuer apart", () => {
    const limiter = new ConcurrencyLimiter({ runs: 1, exec: 1, streams: 2 });
    const parent = limitHolder({ issuer: "portcall", subject: "token:parent" });
    const child = limitHolder({ issuer: "portcall", subject: "token:parent" });
    limiter.acquire(parent, "streams");
    limiter.acquire(child, "streams");
    expect(() => limiter.acquire(child, "streams")).toThrow(/2 open streams going/);
    expect(() =>
      limiter.acquire(limitHolder({ issuer: "oidc", subject: "token:parent" }), "streams"),
    ).not.toThrow();
  });

  it("counts each holder and each kind apart", () => {
    const limiter = new ConcurrencyLimiter({ runs: 1, exec: 1, streams: 1 });
    limiter.acquire("token-a", "streams");
    expect(() => limiter.acquire("token-b", "streams")).not.toThrow();
    expect(() => limiter.acquire("token-a", "exec")).not.toThrow();
    expect(() => limiter.acquire("token-a", "streams")).toThrow(/1 open streams going/);
  });

  it("counts runs found still going after a restart, even past the limit, so new ones wait for them", () => {
    const limiter = new ConcurrencyLimiter({ runs: 1, exec: 1, streams: 1 });
    const found = [limiter.occupy("token-a", "runs"), limiter.occupy("token-a", "runs")];
    expect(() => limiter.acquire("token-a", "runs")).toThrow(/2 runs going/);
    for (const release of found) release();
    expect(() => limiter.acquire("token-a", "runs")).not.toThrow();
  });
});
