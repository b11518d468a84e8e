/**
 * Sends one typed event; resolves when the caller has taken it, so a slow reader slows the producer. `id`, when
 * given, is what a reconnecting reader hands back to resume after this event.
 */
export type Send = (type: string, data: Record<string, unknown>, id?: string) => Promise<void>;

/** Writes one piece of a text answer; resolves when the reader has taken it. */
export type Write = (chunk: string | Uint8Array) => Promise<void>;

/**
 * What a streamed operation answers with, whatever channel carries it: the work that produces events as they
 * happen, and what to give back (a concurrency slot, an upstream stream) once it has ended however it ended.
 * The channel calls `produce` at most once and `release` exactly once. A failure inside `produce` reaches the
 * caller as a final `error` event, since the answer has begun by then; anything that can be refused is
 * refused by `run`, before it returns a feed.
 */
export class EventFeed {
  constructor(
    readonly produce: (send: Send, signal: AbortSignal) => Promise<void>,
    readonly release: () => void = () => {},
  ) {}
}

/** A streamed answer that is text (a container's log as the container wrote it), under the same rules. */
export class TextFeed {
  constructor(
    readonly produce: (write: Write, signal: AbortSignal) => Promise<void>,
    readonly release: () => void = () => {},
  ) {}
}

export type Feed = EventFeed | TextFeed;

/**
 * How the caller takes a streamed operation's answer: `events` as they come, `text` (for an operation with a
 * text form), or undefined for one result at the end.
 */
export type StreamMode = "events" | "text" | undefined;
