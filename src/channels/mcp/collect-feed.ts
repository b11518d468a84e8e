import type { EventFeed, Send } from "../../core/streams.js";
import { RESULT_LIMIT_BYTES } from "./bounded.js";

export type Progress = (done: number, message: string) => Promise<void>;

/** What a feed gave a tool: its items (a collecting tool), or the final `result` event's value. */
export type Collected = { items: unknown[]; dropped: number; result: unknown };

// Held while collecting: enough to fill a result from either end, never a whole log in memory.
const HOLD_BYTES = 4 * RESULT_LIMIT_BYTES;

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

/**
 * Reads a feed to its end, or for `windowMs` when it never ends by itself. A collecting tool keeps its items
 * (the last ones that fit, or the first ones and then stops reading); any other gets its progress reported and
 * the `result` event's value back. The feed is released however it ends.
 */
export async function collectFeed(
  feed: EventFeed,
  signal: AbortSignal,
  options: { collect?: { keep: "first" | "last"; windowMs?: number }; progress?: Progress },
): Promise<Collected> {
  const reading = new AbortController();
  const stop = () => reading.abort();
  signal.addEventListener("abort", stop, { once: true });
  const window = options.collect?.windowMs;
  const timer = window ? setTimeout(stop, window) : undefined;
  const collected: Collected = { items: [], dropped: 0, result: undefined };
  let held = 0;
  let steps = 0;
  const send: Send = async (type, data, id) => {
    if (options.collect) {
      const item = { type, ...data, ...(id ? { eventId: id } : {}) };
      collected.items.push(item);
      held += size(item);
      while (held > HOLD_BYTES && collected.items.length > 0) {
        if (options.collect.keep === "first") {
          collected.dropped += 1;
          held -= size(collected.items.pop());
          stop();
          return;
        }
        held -= size(collected.items.shift());
        collected.dropped += 1;
      }
    } else if (type === "result") {
      const values = Object.values(data);
      collected.result = values.length === 1 ? values[0] : data;
    } else if (options.progress) {
      await options.progress(++steps, describe(type, data));
    }
  };
  try {
    await feed.produce(send, reading.signal);
  } catch (error) {
    // Stopped on purpose (the window ended, or enough was read): what came is the answer.
    if (!reading.signal.aborted || signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
    feed.release();
  }
  if (signal.aborted) throw signal.reason;
  return collected;
}

/** A progress event in a few words: Docker's status line and its progress, when it has them. */
function describe(type: string, data: Record<string, unknown>): string {
  const status = typeof data.status === "string" ? data.status : type;
  const id = typeof data.id === "string" ? `${data.id}: ` : "";
  const detail = typeof data.progress === "string" ? ` ${data.progress}` : "";
  return `${id}${status}${detail}`.slice(0, 200);
}
