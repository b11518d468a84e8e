import type { Json } from "./http.js";

/** One SSE event as a client sees it; `data` parsed as JSON. */
export type SseEvent = { event: string; id: string | undefined; data: Json };

/**
 * Reads an SSE (or NDJSON) response event by event, each wait bounded. One read is kept pending across
 * timeouts, so no chunk is lost to a wait that gave up. Always `close()` it: that cancels the body.
 */
export class EventReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | undefined;
  private readonly format: "sse" | "ndjson";

  constructor(res: Response) {
    if (!res.body) throw new Error("the response has no body");
    this.reader = res.body.getReader();
    this.format = (res.headers.get("content-type") ?? "").includes("ndjson") ? "ndjson" : "sse";
  }

  /** The next event, or an error once `timeoutMs` passes without one. */
  async next(timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.take();
      if (event) return event;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      this.pending ??= this.reader.read();
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        this.pending,
        new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), left);
        }),
      ]).finally(() => clearTimeout(timer));
      if (result === "timeout") continue;
      this.pending = undefined;
      if (result.done) throw new Error("the stream ended");
      this.buffer += this.decoder.decode(result.value, { stream: true });
    }
  }

  /** Every event up to and including the first that matches. */
  async until(match: (event: SseEvent) => boolean, timeoutMs = 15_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const seen: SseEvent[] = [];
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now())).catch((error: Error) => {
        throw new Error(`${error.message}; saw ${JSON.stringify(seen.map((e) => e.data))}`);
      });
      seen.push(event);
      if (match(event)) return seen;
    }
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  private take(): SseEvent | undefined {
    const separator = this.format === "sse" ? "\n\n" : "\n";
    for (;;) {
      const end = this.buffer.indexOf(separator);
      if (end === -1) return undefined;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + separator.length);
      const event = this.format === "sse" ? parseSse(block) : parseNdjson(block);
      if (event) return event;
    }
  }
}

function parseSse(block: string): SseEvent | undefined {
  const fields = new Map<string, string>();
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // a comment: keep-alive
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ""));
  }
  const data = fields.get("data");
  if (data === undefined) return undefined;
  return { event: fields.get("event") ?? "message", id: fields.get("id"), data: JSON.parse(data) };
}

function parseNdjson(line: string): SseEvent | undefined {
  if (!line.trim()) return undefined;
  const data = JSON.parse(line);
  return { event: data.type, id: data.eventId, data };
}
