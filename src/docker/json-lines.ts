import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

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
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
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
