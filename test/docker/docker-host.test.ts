import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appOver, testApp, testServices } from "../support/app.js";
import { type FaultSocket, silentSocket } from "../support/fault-sockets.js";
import { readJson } from "../support/http.js";
import { describeWithRig, rigCommand, rigHost, withDaemonLock } from "../support/rig.js";

async function timed<T>(work: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

// One socket that accepts connections and never answers, shared by the tests below.
let silent: FaultSocket;
beforeAll(async () => {
  silent = await silentSocket();
});
afterAll(() => silent.close());

describe("a host that cannot answer", () => {
  it("answers 503 host_unavailable at once when nothing listens at the address", async () => {
    const app = await testApp({ hosts: [{ id: "gone", url: "tcp://127.0.0.1:1", insecure: true }] });
    const { value: res, ms } = await timed(() => app.request("/v1/hosts/gone/containers"));
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await readJson(res)).toMatchObject({
      code: "host_unavailable",
      detail: 'Host "gone" is unavailable: the connection was refused (is the daemon running?).',
    });
    expect(ms).toBeLessThan(2_000);
  });

  it("answers 504 host_timeout when the host accepts and never answers, at its deadline", async () => {
    const app = await testApp({
      hosts: [{ id: "stuck", url: silent.url }],
      registry: { callTimeoutMs: 300 },
    });
    const { value: res, ms } = await timed(() => app.request("/v1/hosts/stuck/containers/abc"));
    expect(res.status).toBe(504);
    expect(await readJson(res)).toMatchObject({
      code: "host_timeout",
      detail: 'Host "stuck" did not answer within 300 ms.',
    });
    expect(ms).toBeLessThan(1_500);
  });

  it("drops the daemon connection as soon as the client goes away", async () => {
    const app = await testApp({
      hosts: [{ id: "stuck", url: silent.url }],
      registry: { callTimeoutMs: 60_000 },
    });
    const client = new AbortController();
    const before = silent.connections();
    const pending = Promise.resolve(app.request("/v1/hosts/stuck/containers", { signal: client.signal }));
    while (silent.connections() === before) await new Promise((r) => setTimeout(r, 5));
    const { ms } = await timed(async () => {
      client.abort();
      await pending.catch(() => undefined);
    });
    expect(ms).toBeLessThan(1_000);
    const closedBy = Date.now() + 1_000;
    while (silent.open() > 0 && Date.now() < closedBy) await new Promise((r) => setTimeout(r, 5));
    expect(silent.open()).toBe(0);
  });

  it("fails fast with 503 after repeated failures instead of waiting on the host again", async () => {
    const services = await testServices({
      hosts: [{ id: "stuck", url: silent.url }],
      registry: { callTimeoutMs: 200, failureThreshold: 2, retryIntervalMs: 60_000 },
    });
    const app = await appOver(services);
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await app.request("/v1/hosts/stuck/containers")).status).toBe(504);
    }
    const { value: fast, ms } = await timed(() => app.request("/v1/hosts/stuck/containers"));
    expect(fast.status).toBe(503);
    expect((await readJson(fast)).detail).toContain('Host "stuck" is down');
    expect(ms).toBeLessThan(100);
    expect((await services.hosts.health("stuck")).down).toBe(true);
  });
});

describeWithRig("hosts side by side", () => {
  it("keeps answering for a healthy host while a TCP host accepts and never answers", async () => {
    const tcp = await silentSocket("tcp");
    const app = await testApp({
      hosts: [rigHost("rig1"), { id: "stuck", url: tcp.url, insecure: true }],
      registry: { callTimeoutMs: 1_500 },
    });
    try {
      const stuck = timed(() => app.request("/v1/hosts/stuck/containers"));
      const healthy = await timed(() => app.request("/v1/hosts/rig1/containers"));
      expect(healthy.value.status).toBe(200);
      expect(healthy.ms).toBeLessThan(1_000);
      const { value, ms } = await stuck;
      expect(value.status).toBe(504);
      expect(ms).toBeLessThan(1_500 + 500);
    } finally {
      await tcp.close();
    }
  });
});

describeWithRig("a daemon that stops and comes back", () => {
  it("is 503 within 2 s while down, fails fast once marked down, and answers again after a probe", async () => {
    const services = await testServices({
      hosts: [rigHost("rig3")],
      registry: { failureThreshold: 1, retryIntervalMs: 60_000 },
    });
    const app = await appOver(services);
    await withDaemonLock("rig3", async () => {
      expect((await app.request("/v1/hosts/rig3/containers")).status).toBe(200);

      await rigCommand("stop", "rig3");
      try {
        const { value: res, ms } = await timed(() => app.request("/v1/hosts/rig3/containers"));
        expect(res.status).toBe(503);
        expect((await readJson(res)).code).toBe("host_unavailable");
        expect(ms).toBeLessThan(2_000);
        expect((await services.hosts.health("rig3")).down).toBe(true);
      } finally {
        await rigCommand("start", "rig3");
      }
      // Still marked down: calls fail fast until a probe finds the daemon again, without restarting portcall.
      expect((await app.request("/v1/hosts/rig3/containers")).status).toBe(503);
      await services.hosts.probeAll();
      expect(await services.hosts.health("rig3")).toMatchObject({
        reachable: true,
        down: false,
        error: null,
      });
      expect((await app.request("/v1/hosts/rig3/containers")).status).toBe(200);
    });
  });
});
