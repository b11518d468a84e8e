import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

// A daemon's JSON lines are small (progress, stats); one longer than this is a broken or hostile stream.
const MAX_LINE_CHARS = 1024 * 1024;

/** Lines of a stream, without unbounded buffering: a line past the limit fails the stream. */
export async function* boundedLines(stream: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  for await (const chunk of stream) {
    pending += typeof chunk === "string" ? chunk : decoder.write(chunk as Buffer);
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      yield pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
    if (pending.length > MAX_LINE_CHARS)
      throw new Error(`a line of the daemon's stream passed ${MAX_LINE_CHARS} characters`);
  }
  pending += decoder.end();
  if (pending) yield pending;
}

/**
 * Reads a daemon's progress stream (one JSON object per line) to its end. A stream silent for `idleMs` is cut:
 * a long pull keeps talking, a hung one does not. Lines that are not JSON are skipped.
 */
export async function readJsonLines(
  stream: Readable,
  idleMs: number,
  /** Awaited before the next line is read: a slow consumer slows the daemon's stream instead of piling up. */
  onObject: (value: Record<string, unknown>) => void | Promise<void>,
): Promise<void> {
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stream.destroy(new IdleStreamError(idleMs)), idleMs);
  };
  arm();
  try {
    for await (const line of boundedLines(stream)) {
      arm();
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (value && typeof value === "object") await onObject(value as Record<string, unknown>);
    }
  } finally {
    clearTimeout(idle);
  }
}

export class IdleStreamError extends Error {
  override readonly name = "IdleStreamError";
  constructor(readonly idleMs: number) {
    super(`the stream was silent for ${idleMs} ms`);
  }
}
