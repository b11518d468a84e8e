import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readJson } from "../support/http.js";
import { describeWithRig, removeLabelled, rig, testLabel } from "../support/rig.js";
import { startDetachedRun } from "../support/runs.js";
import { type FreshServer, startFreshServer, startServer } from "../support/server.js";
import { EventReader } from "../support/sse.js";
import { type SoakDaemon, startSoakDaemon } from "./support/soak-daemon.js";

const GRACE_MS = 5_000;

/** Reads a stream to its end; what ended it: "the stream ended" when it ended cleanly, else the error. */
async function endOf(reader: EventReader, withinMs: number): Promise<string> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      await reader.next(Math.max(1, until - Date.now()));
    } catch (error) {
      return (error as Error).message;
    }
  }
}

describeWithRig("SIGTERM with runs waiting and streams open", () => {
  const label = testLabel();
  let daemon: SoakDaemon;
  let server: FreshServer;
  const later: Array<{ child: FreshServer["child"] }> = [];

  beforeAll(async () => {
    daemon = await startSoakDaemon();
    server = await startFreshServer({
      DOCKER_HOST: daemon.dockerHost,
      PORTCALL_SHUTDOWN_GRACE_MS: String(GRACE_MS),
    });
  });
  afterAll(async () => {
    for (const { child } of later) child.kill("SIGKILL");
    await server?.discard();
    if (daemon) await removeLabelled(daemon.docker, label.filter);
  });

  it("turns unready, ends open streams cleanly, finishes the calls in flight, exits 0, and picks the runs up again", async () => {
    const labels = { [label.key]: label.value };
    const outlives = await startDetachedRun(server, ["sh", "-c", "sleep 4; echo later; exit 3"], { labels });
    const chatter = await startDetachedRun(
      server,
      ["sh", "-c", "while true; do echo tick; sleep 0.2; done"],
      {
        labels,
      },
    );
    const waiting = server.api("/v1/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        host: "local",
        image: rig().images.busybox,
        cmd: ["sh", "-c", "sleep 1.5; echo done"],
        labels,
      }),
    });
    const logs = new EventReader(
      await server.api(`/v1/hosts/local/containers/${chatter.containerId}/logs?follow=true&tail=1`, {
        headers: { Accept: "application/x-ndjson" },
      }),
    );
    const events = new EventReader(await server.api("/v1/events?host=local"));
    expect((await logs.next()).event).toBe("log");
    await events.until((e) => e.event === "host" && e.data.state === "attached");
    // A load balancer's probe whose request is half sent when the signal comes.
    const { port } = new URL(server.url);
    const probe = connect(Number(port), "127.0.0.1");
    await once(probe, "connect");
    probe.write("GET /readyz HTTP/1.1\r\nHost: portcall\r\n");
    await new Promise((resolve) => setTimeout(resolve, 500));

    const signalled = Date.now();
    const exited = once(server.child, "exit");
    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));

    let answer = "";
    probe.on("data", (chunk) => {
      answer += String(chunk);
    });
    probe.end("\r\n");
    await once(probe, "close");
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"stopping":true');
    // A new connection finds no one listening.
    await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();

    // Streams never end by themselves: they end at once, cleanly, and the client reconnects elsewhere.
    expect(await endOf(logs, 2_000)).toBe("the stream ended");
    expect(await endOf(events, 2_000)).toBe("the stream ended");
    const run = await waiting;
    expect(run.status).toBe(201);
    expect(await readJson(run)).toMatchObject({
      status: "exited",
      exitCode: 0,
      output: { stdout: "done\n" },
    });
    const [code] = await exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(GRACE_MS);
    expect(server.log.join("\n")).not.toContain("grace period over");

    // The run still going at the stop is waited for by the next process, as the first one would have.
    const next = await startServer({ DOCKER_HOST: daemon.dockerHost, PORTCALL_DATA_DIR: server.dataDir });
    later.push(next);
    const res = await next.api(`/v1/runs/${outlives.id}/wait?timeoutSeconds=20`);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toMatchObject({
      status: "exited",
      exitCode: 3,
      output: { stdout: "later\n" },
    });
  });
});
