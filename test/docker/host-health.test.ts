import { afterEach, describe, expect, it, vi } from "vitest";
import { HostBreaker, UNKNOWN_HEALTH } from "../../src/docker/host-health.js";
import { ApiError } from "../../src/errors/api-error.js";

const timeout = () => new ApiError("host_timeout", 'Host "edge-1" did not answer within 300 ms.');
const breaker = (failureThreshold = 2) =>
  new HostBreaker({ hostId: "edge-1", failureThreshold, retryIntervalMs: 60_000 });

afterEach(() => {
  vi.useRealTimers();
});

describe("a host's breaker", () => {
  it("knows nothing of a host it has not tried", () => {
    expect(breaker().status()).toEqual(UNKNOWN_HEALTH);
  });

  it("counts only transport failures against the host, unless a probe says so", () => {
    const host = breaker(1);
    host.failed(new ApiError("container_not_found", "gone"), { force: false });
    expect(host.status().reachable).toBeNull();
    host.failed(new ApiError("container_not_found", "gone"), { force: true });
    expect(host.status()).toMatchObject({ reachable: false, down: true, error: "gone" });
  });

  it("fails calls fast once down, until its retry interval has passed", () => {
    vi.useFakeTimers();
    const host = breaker();
    host.failed(timeout(), { force: false });
    expect(() => host.refuseWhileDown()).not.toThrow();
    host.failed(timeout(), { force: false });
    expect(host.status()).toMatchObject({ down: true, latencyMs: null });
    expect(() => host.refuseWhileDown()).toThrow(
      'Host "edge-1" is down (Host "edge-1" did not answer within 300 ms.); it is tried again shortly.',
    );
    vi.advanceTimersByTime(60_000);
    expect(() => host.refuseWhileDown()).not.toThrow();
  });

  it("is up again after one success, keeping the last latency a probe measured", () => {
    const host = breaker(1);
    host.succeeded({ latencyMs: 1.5 });
    host.failed(timeout(), { force: false });
    host.succeeded({ latencyMs: 2 });
    host.succeeded({});
    expect(host.status()).toMatchObject({ reachable: true, down: false, latencyMs: 2, error: null });
  });

  it("records nothing once closed: calls cut by the close say nothing about the host", () => {
    const host = breaker(1);
    host.close();
    host.failed(timeout(), { force: true });
    expect(host.status()).toEqual(UNKNOWN_HEALTH);
  });
});
