import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EventFeed } from "../../src/core/streams.js";
import type { AppEnv } from "../../src/env.js";
import { eventStream } from "../../src/http/event-stream.js";

/** A stream that sends what `events` lists, then stays open until `release` is called or the server stops. */
function streamingApp(format: "sse" | "ndjson", events: Array<[string, Record<string, unknown>, string?]>) {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const stopping = new AbortController();
  const app = new Hono<AppEnv>();
  app.get("/", (c) =>
    eventStream(
      c,
      format,
      new EventFeed(
        async (send, signal) => {
          for (const [type, data, id] of events) await send(type, data, id);
          if (signal.aborted) return;
          await Promise.race([held, new Promise((resolve) => signal.addEventListener("abort", resolve))]);
        },
        () => {},
      ),
      stopping.signal,
    ),
  );
  return { app, release: () => release(), stop: () => stopping.abort() };
}

async function readSome(res: Response, chunks: number): Promise<string> {
  const reader = res.body?.getReader();
  let text = "";
  for (let i = 0; i < chunks; i++) text += new TextDecoder().decode((await reader?.read())?.value);
  await reader?.cancel();
  return text;
}

describe("event streams", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("uses a given id as the SSE id, and counts up without one", async () => {
    const { app, release } = streamingApp("sse", [
      ["tick", { n: 1 }],
      ["tick", { n: 2 }, "cursor-a"],
    ]);
    const text = await readSome(await app.request("/"), 2);
    release();
    expect(text).toBe(
      'event: tick\ndata: {"type":"tick","n":1}\nid: 1\n\nevent: tick\ndata: {"type":"tick","n":2}\nid: cursor-a\n\n',
    );
  });

  it("carries a given id as eventId in NDJSON", async () => {
    const { app, release } = streamingApp("ndjson", [["tick", { n: 1 }, "cursor-a"]]);
    const text = await readSome(await app.request("/"), 1);
    release();
    expect(text).toBe('{"type":"tick","n":1,"eventId":"cursor-a"}\n');
  });

  it("ends an open stream cleanly, without an error event, once the server begins to stop", async () => {
    const { app, stop } = streamingApp("ndjson", [["tick", { n: 1 }]]);
    const res = await app.request("/");
    const whole = res.text();
    stop();
    expect(await whole).toBe('{"type":"tick","n":1}\n');
  });

  it("keeps an idle SSE stream open with a comment every 15 s", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { app, release } = streamingApp("sse", []);
    const res = await app.request("/");
    vi.advanceTimersByTime(15_000);
    const text = await readSome(res, 1);
    release();
    expect(text).toBe(": keep-alive\n\n");
  });
});
