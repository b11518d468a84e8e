import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { type Json, readJson } from "../../support/http.js";
import {
  describeWithRig,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  rigHost,
  testLabel,
} from "../../support/rig.js";

const run = promisify(execFile);

/** Connections open to a rig daemon's socket right now, as the kernel counts them. */
async function daemonConnections(name: string): Promise<number> {
  const { stdout } = await run("ss", [
    "-x",
    "-H",
    "state",
    "connected",
    "src",
    rig().daemons[name]?.socket ?? "",
  ]);
  return stdout.split("\n").filter((line) => line.trim()).length;
}

describeWithRig("container logs", () => {
  const label = testLabel();
  let app: TestApp;

  const container = async (cmd: string[], tty = false) => {
    const res = await app.request("/v1/hosts/rig2/containers", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        image: rig().images.busybox,
        cmd,
        tty,
        labels: { [label.key]: label.value },
        start: true,
      }),
    });
    expect(res.status).toBe(201);
    const { id } = await readJson(res);
    await app.request(`/v1/hosts/rig2/containers/${id}/wait?timeoutSeconds=30`, { method: "POST" });
    return id as string;
  };
  const logs = (id: string, query: string, accept: string) =>
    app.request(`/v1/hosts/rig2/containers/${id}/logs?${query}`, { headers: { Accept: accept } });

  beforeAll(async () => {
    await ensureImage(rigDocker("rig2"), rig().images.busybox);
    app = await testApp({ hosts: [rigHost("rig2")] });
  });
  afterAll(() => removeLabelled(rigDocker("rig2"), label.filter));

  it("separates stdout and stderr of a container without a TTY, as NDJSON", async () => {
    const id = await container(["sh", "-c", "echo out-1; echo err-1 >&2; echo out-2"]);
    const res = await logs(id, "timestamps=true", "application/x-ndjson");
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map(({ stream, line }: Json) => [stream, line]).sort()).toEqual([
      ["stderr", "err-1"],
      ["stdout", "out-1"],
      ["stdout", "out-2"],
    ]);
    expect(lines.every(({ type, ts }: Json) => type === "log" && Date.parse(ts) > 0)).toBe(true);
    const only = (await (await logs(id, "stderr=false", "application/x-ndjson")).text()).trim().split("\n");
    expect(only.map((line) => JSON.parse(line).line)).toEqual(["out-1", "out-2"]);
  });

  it("reads a TTY container's output as plain text, with no frame bytes in it", async () => {
    const id = await container(["sh", "-c", "echo hello from a tty"], true);
    const text = await (await logs(id, "", "text/plain")).text();
    expect(text.replace(/\r/g, "")).toBe("hello from a tty\n");
  });

  it("sends one SSE event per line, and the last lines only with tail", async () => {
    const id = await container(["sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; done"]);
    const text = await (await logs(id, "tail=2", "text/event-stream")).text();
    const events = text.split("\n\n").filter((block) => block.includes("event: log"));
    const data = (block: string) =>
      JSON.parse(
        block
          .split("\n")
          .find((line) => line.startsWith("data: "))
          ?.slice(6) ?? "{}",
      );
    expect(events.map((block) => data(block).line)).toEqual(["line-4", "line-5"]);
  });

  it("closes the daemon request as soon as a following client disconnects", async () => {
    const res = await app.request("/v1/hosts/rig2/containers", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        image: rig().images.busybox,
        cmd: ["sh", "-c", "while true; do echo tick; sleep 0.2; done"],
        labels: { [label.key]: label.value },
        stopTimeout: 1,
        start: true,
      }),
    });
    const { id } = await readJson(res);
    const client = new AbortController();
    const following = await app.request(`/v1/hosts/rig2/containers/${id}/logs?follow=true`, {
      headers: { Accept: "application/x-ndjson" },
      signal: client.signal,
    });
    const reader = following.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain("tick");
    // The follow may reuse an idle keep-alive connection, so count what is open while it runs, then see one go.
    const during = await daemonConnections("rig2");
    expect(during).toBeGreaterThan(0);
    client.abort();
    await reader?.cancel().catch(() => undefined);
    const until = Date.now() + 3_000;
    while ((await daemonConnections("rig2")) >= during && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await daemonConnections("rig2")).toBeLessThan(during);
  });

  it("streams 100 MB of output with bounded memory", async () => {
    const id = await container([
      "sh",
      "-c",
      "yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c 100000000",
    ]);
    const res = await logs(id, "", "text/plain");
    const reader = res.body?.getReader();
    let bytes = 0;
    let peak = process.memoryUsage().rss;
    const start = peak;
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      bytes += chunk.value.length;
      if (bytes % (8 * 1024 * 1024) < chunk.value.length) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(bytes).toBe(100_000_000);
    // Generous: the point is that 100 MB never sits in memory at once.
    expect(peak - start).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);
});
