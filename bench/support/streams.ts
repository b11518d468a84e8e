// Reading the answers that stream: to their end (logs), or line by line as they come (events), timing arrivals.
import type { Agent, IncomingMessage } from "node:http";
import { get } from "node:http";

const NEWLINE = 0x0a;

/** Reads a body to its end: its bytes, and its lines (newlines), which say how many events it carried. */
export async function drain(body: AsyncIterable<Uint8Array>): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) lines++;
  }
  return { bytes, lines };
}

/** A GET straight to a daemon's unix socket, its answer once the headers are in; a status other than 200 fails. */
export function socketGet(socketPath: string, path: string, agent?: Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get({ socketPath, path, ...(agent ? { agent } : {}) }, (res) => {
      if (res.statusCode === 200) return resolve(res);
      res.resume();
      reject(new Error(`GET ${path} on ${socketPath}: HTTP ${res.statusCode}`));
    }).once("error", reject);
  });
}

/** The same GET, read to its end (and let go of at once: nothing is kept or counted). */
export async function socketRead(socketPath: string, path: string, agent?: Agent): Promise<void> {
  const res = await socketGet(socketPath, path, agent);
  await new Promise<void>((resolve, reject) => {
    res.once("end", resolve).once("error", reject).resume();
  });
}

/** The same GET's body, as text. */
export async function socketText(socketPath: string, path: string, agent?: Agent): Promise<string> {
  const res = await socketGet(socketPath, path, agent);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

type Waiter = { text: string; resolve: (at: number) => void; reject: (error: Error) => void };

/**
 * Watches a stream that stays open (events), line by line: `arrival(text)` resolves with the moment the first
 * line holding `text` was read, on the clock of `performance.now()`. Ask before causing the line, so that
 * none is missed; each wait is bounded.
 */
export class LineWatch {
  private readonly waiters = new Set<Waiter>();
  private readonly decoder = new TextDecoder();
  private partial = "";
  private ended: Error | undefined;

  constructor(
    body: AsyncIterable<Uint8Array>,
    private readonly stop: () => void,
  ) {
    void this.read(body);
  }

  private async read(body: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of body) {
        const at = performance.now();
        const lines = (this.partial + this.decoder.decode(chunk, { stream: true })).split("\n");
        this.partial = lines.pop() ?? "";
        for (const line of lines) this.match(line, at);
      }
      this.end(new Error("the stream ended"));
    } catch (error) {
      this.end(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private match(line: string, at: number): void {
    for (const waiter of this.waiters) {
      if (!line.includes(waiter.text)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(at);
    }
  }

  private end(error: Error): void {
    this.ended = error;
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }

  /** When the first line holding `text` arrives; fails after `timeoutMs`, or when the stream ends. */
  arrival(text: string, timeoutMs = 10_000): Promise<number> {
    if (this.ended) return Promise.reject(this.ended);
    let timer: NodeJS.Timeout | undefined;
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { text, resolve, reject };
      this.waiters.add(waiter);
      timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no line with ${text} within ${timeoutMs} ms`));
      }, timeoutMs);
    }).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.stop();
  }
}
