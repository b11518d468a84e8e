import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FaultSocket, silentSocket } from "../support/fault-sockets.js";
import { type Json, readJson } from "../support/http.js";
import { describeWithRig, rig } from "../support/rig.js";
import { type FreshServer, startFreshServer } from "../support/server.js";
import { EventReader } from "../support/sse.js";

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A "daemon" on loopback that answers every call with HTTP 500 and this body. */
async function failingDaemon(body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_, res) => {
    res.writeHead(500, { "Content-Type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeWithRig("small faults an outsider can provoke", () => {
  let server: FreshServer;
  const closing: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = await startFreshServer({
      DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "",
      PORTCALL_PROBE_INTERVAL_MS: "300",
      // Hosts that fail here must keep being called, not be skipped as down.
      PORTCALL_HOST_FAILURE_THRESHOLD: "1000",
    });
  });
  afterAll(async () => {
    await Promise.all(closing.map((close) => close()));
    await server?.discard();
  });

  const events = (headers: Record<string, string>, query = "") =>
    server.api(`/v1/events?host=local&type=container${query}`, {
      headers: { Accept: "text/event-stream", ...headers },
    });

  /** The id of the first event a stream opened with `headers` gives out (its `host` attached event). */
  async function firstEventId(headers: Record<string, string>, query = ""): Promise<string> {
    const res = await events(headers, query);
    expect(res.status).toBe(200);
    const reader = new EventReader(res);
    try {
      const id = (await reader.next()).id;
      if (!id) throw new Error("the event had no id");
      return id;
    } finally {
      await reader.close();
    }
  }

  async function register(id: string, url: string): Promise<void> {
    const res = await server.api("/v1/hosts", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id, url, insecure: true }),
    });
    expect(res.status).toBe(201);
  }

  it.each([
    ["a start offset past zero", cursorOf(["1", 9007199254740991, {}])],
    ["a start just past zero", cursorOf(["1", 2, {}])],
    ["a host's offset past zero", cursorOf(["5", 0, { local: 6 }])],
  ])(
    "a Last-Event-ID counting back before time began (%s) is refused, not turned into a cursor",
    async (_, id) => {
      const res = await events({ "Last-Event-ID": id });
      expect(res.status).toBe(400);
      expect((await readJson(res)).code).toBe("invalid_request");
    },
  );

  it.each(["1900-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])(
    "a stream resumed from %s gives out event ids it takes back",
    async (since) => {
      const id = await firstEventId({}, `&since=${since}`);
      const [newest] = JSON.parse(Buffer.from(id, "base64url").toString("utf8")) as [string];
      expect(newest).toMatch(/^\d{1,20}$/);
      expect(await firstEventId({ "Last-Event-ID": id })).toBeTruthy();
    },
  );

  it.each([
    [
      '{"message":{"detail":"an object, not text"}}',
      /answered HTTP 500: \{"message":\{"detail":"an object, not text"\}\}/,
    ],
    ['{"error":{"code":7}}', /answered HTTP 500: \{"error":\{"code":7\}\}/],
    ["{}", /answered HTTP 500\.$/],
  ])("a daemon answering %s gets a readable status error, not [object Object]", async (body, reads) => {
    const daemon = await failingDaemon(body);
    closing.push(daemon.close);
    const id = `odd-${randomUUID().slice(0, 8)}`;
    await register(id, daemon.url);
    let host: Json;
    await expect
      .poll(async () => {
        host = await readJson(await server.api(`/v1/hosts/${id}`));
        return host.status.error;
      })
      .not.toBeNull();
    expect(host.status.error).not.toContain("[object Object]");
    expect(host.status.error).toMatch(reads);
    const info = await readJson(await server.api(`/v1/hosts/${id}/info`));
    expect(info.detail).not.toContain("[object Object]");
    expect(info.detail).toMatch(reads);
  });

  it("a client that hangs up mid-request is logged as gone, not as an error-level 503", async () => {
    const silent: FaultSocket = await silentSocket("tcp");
    closing.push(silent.close);
    await register("silent", silent.url);
    const requestId = `gone-${randomUUID()}`;
    await expect(
      server.api("/v1/hosts/silent/containers", {
        headers: { "X-Request-Id": requestId },
        signal: AbortSignal.timeout(500),
      }),
    ).rejects.toThrow();

    const lines = () =>
      server.log
        .flatMap((chunk) => chunk.split("\n"))
        .filter((line) => line.includes(requestId))
        .map((line) => JSON.parse(line) as Json);
    await expect.poll(() => lines().map((line) => line.message)).toContain("client went away");
    expect(lines().find((line) => line.message === "client went away")).toMatchObject({
      level: "info",
      method: "GET",
      path: "/v1/hosts/silent/containers",
    });
    expect(lines().filter((line) => line.level === "error" || line.status === 503)).toEqual([]);
  });
});
