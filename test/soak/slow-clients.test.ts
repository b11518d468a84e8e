import { once } from "node:events";
import http from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithRig, removeLabelled, rig, testLabel } from "../support/rig.js";
import { type FreshServer, startFreshServer } from "../support/server.js";
import { EventReader } from "../support/sse.js";
import { MiB, processStats, settledStats } from "./support/process-stats.js";
import { type SoakDaemon, startSoakDaemon } from "./support/soak-daemon.js";

const HEADERS_MS = 1_000;
const REQUEST_MS = 2_000;
const KEEP_ALIVE_MS = 1_500;
const LINES = 100_000;
const READ_SECONDS = 6;

type SlowReader = { bytes: number; text: string; done: Promise<void>; close(): void };

describeWithRig("slow and idle clients", () => {
  const label = testLabel();
  let daemon: SoakDaemon;
  let server: FreshServer;

  beforeAll(async () => {
    daemon = await startSoakDaemon();
    server = await startFreshServer({
      DOCKER_HOST: daemon.dockerHost,
      PORTCALL_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
      PORTCALL_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
      PORTCALL_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
    });
  });
  afterAll(async () => {
    await server?.discard();
    if (daemon) await removeLabelled(daemon.docker, label.filter);
  });

  /** A raw connection to the server, what it was sent back, and when the server closed it. */
  const open = async () => {
    const socket: Socket = connect(Number(new URL(server.url).port), "127.0.0.1");
    await once(socket, "connect");
    const opened = Date.now();
    let answer = "";
    socket.on("data", (chunk) => {
      answer += String(chunk);
    });
    const closed = once(socket, "close").then(() => Date.now() - opened);
    return { socket, closed, answer: () => answer };
  };
  /** Writes `text` a byte at a time, every `everyMs`, until the connection is gone. */
  const dribble = async (socket: Socket, text: string, everyMs: number) => {
    for (const byte of text) {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(byte);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };

  it("disconnects a client that sends its headers slower than the headers timeout", async () => {
    const { socket, closed, answer } = await open();
    void dribble(
      socket,
      `GET /healthz HTTP/1.1\r\nHost: portcall\r\nX-Slow: ${"a".repeat(200)}\r\n\r\n`,
      100,
    );
    const afterMs = await closed;
    expect(afterMs).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    // Node looks for expired requests every quarter of the headers timeout; a busy machine adds to that.
    expect(afterMs).toBeLessThan(HEADERS_MS + 3_000);
    expect(answer()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("disconnects a client that sends its body slower than the request timeout", async () => {
    const { socket, closed, answer } = await open();
    const body = JSON.stringify({
      name: "slow",
      scopes: ["containers:read"],
      hosts: ["*"],
      padding: "x".repeat(100),
    });
    socket.write(
      `POST /v1/tokens HTTP/1.1\r\nHost: portcall\r\nAuthorization: Bearer ${server.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    void dribble(socket, body, 50);
    const afterMs = await closed;
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(afterMs).toBeLessThan(REQUEST_MS + 3_000);
    expect(answer()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes an idle keep-alive connection after the keep-alive timeout, not sooner", async () => {
    const { socket, closed, answer } = await open();
    socket.write("GET /healthz HTTP/1.1\r\nHost: portcall\r\n\r\n");
    const afterMs = await closed;
    expect(answer()).toMatch(/^HTTP\/1\.1 200 [\s\S]*keep-alive: timeout=1\r\n/i);
    // Idle past the headers timeout without being cut: that one is only for a request being received.
    expect(afterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
    expect(afterMs).toBeLessThan(KEEP_ALIVE_MS + 3_000);
  });

  it("keeps a followed log streaming well past the request timeout", async () => {
    const chatter = await daemon.docker.createContainer({
      Image: rig().images.busybox,
      Cmd: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done"],
      Labels: { [label.key]: label.value },
    });
    await chatter.start();
    const logs = new EventReader(
      await server.api(`/v1/hosts/local/containers/${chatter.id}/logs?follow=true`, {
        headers: { Accept: "application/x-ndjson" },
      }),
    );
    try {
      const started = Date.now();
      await logs.until(() => Date.now() - started > REQUEST_MS + KEEP_ALIVE_MS, 10_000);
      expect((await logs.next()).event).toBe("log");
    } finally {
      await logs.close();
    }
  });

  /** A follow of the log that takes 1 KiB a second from its socket, as a client on a very slow link does. */
  const slowReader = (path: string, accept: string): SlowReader => {
    const reader: SlowReader = { bytes: 0, text: "", done: Promise.resolve(), close: () => {} };
    reader.done = new Promise((resolve, reject) => {
      const req = http.get(
        `${server.url}${path}`,
        { headers: { Authorization: `Bearer ${server.token}`, Accept: accept } },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.pause();
          const tick = setInterval(() => {
            const chunk: Buffer | null = res.read(1024) ?? res.read();
            if (!chunk) return;
            reader.bytes += chunk.length;
            if (reader.text.length < 4096) reader.text += chunk.toString("utf8");
          }, 1000);
          reader.close = () => {
            clearInterval(tick);
            req.destroy();
            resolve();
          };
        },
      );
      req.on("error", (error) => (req.destroyed ? resolve() : reject(error)));
    });
    return reader;
  };

  it("keeps its memory bounded while a client reads a followed log at 1 KB/s, and lets the container write to its end", async () => {
    const pid = server.child.pid ?? 0;
    const container = await daemon.docker.createContainer({
      Image: rig().images.busybox,
      // About 10 MB, as fast as the shell prints.
      Cmd: [
        "sh",
        "-c",
        `i=0; while [ $i -lt ${LINES} ]; do echo "line $i ${"0".repeat(80)}"; i=$((i+1)); done`,
      ],
      Labels: { [label.key]: label.value },
    });
    const baseline = await processStats(pid, daemon.socket);
    await container.start();
    const started = Date.now();
    const path = `/v1/hosts/local/containers/${container.id}/logs?follow=true`;
    const readers = [slowReader(path, "text/plain"), slowReader(path, "application/x-ndjson")];

    let peakRss = baseline.rssBytes;
    let finishedAfterMs: number | undefined;
    while (Date.now() - started < READ_SECONDS * 1000) {
      peakRss = Math.max(peakRss, (await processStats(pid, daemon.socket)).rssBytes);
      if (finishedAfterMs === undefined && !(await container.inspect()).State.Running) {
        finishedAfterMs = Date.now() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const state = (await container.inspect()).State;
    console.log(
      `slow reader: container done after ${finishedAfterMs} ms; read ${readers.map((r) => r.bytes).join(" and ")} bytes; ` +
        `RSS ${Math.round(baseline.rssBytes / MiB)} -> peak ${Math.round(peakRss / MiB)} MiB`,
    );
    // The container wrote all of it and ended on its own while the readers were still near the beginning.
    expect(state).toMatchObject({ Running: false, ExitCode: 0 });
    for (const reader of readers) expect(reader.bytes).toBeLessThan(READ_SECONDS * 2 * 1024);
    expect(peakRss - baseline.rssBytes).toBeLessThan(64 * MiB);
    // What the readers got is the log from its first line, in order.
    expect(readers[0]?.text).toMatch(/^line 0 0+\nline 1 0+\n/);
    expect(readers[1]?.text).toMatch(/^\{"type":"log","stream":"stdout","ts":null,"line":"line 0 0+"\}\n/);

    for (const reader of readers) reader.close();
    await Promise.all(readers.map((reader) => reader.done));
    const after = await settledStats(pid, daemon.socket, (s) => s.daemonConnections === 0, 5_000);
    expect(after.daemonConnections).toBe(0);
    expect(after.fds).toBeLessThanOrEqual(baseline.fds + 2);
  });
});
