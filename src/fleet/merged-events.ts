import { setTimeout as sleep } from "node:timers/promises";
import type { Send } from "../core/streams.js";
import type { EventFilter } from "../docker/docker-host.js";
import type { TimedHostEvent } from "../docker/event-mapper.js";
import { ApiError, type ErrorCode } from "../errors/api-error.js";
import type { HostRegistry } from "../hosts/host-registry.js";
import type { HostStateEvent } from "../schemas/event.js";
import type { EventCursor } from "./event-cursor.js";
import { toHostFailure } from "./host-failure.js";

// A host that breaks is tried again soon, then less and less often, but at least every MAX_RETRY_MS.
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;
// Trying again cannot help: the host was removed while the stream was open, or the daemon refuses the filters.
const FINAL_FAILURES = new Set<ErrorCode>(["host_not_found", "invalid_request"]);

export type MergedEvents = {
  hosts: string[];
  filter: EventFilter;
  /** Where to start; advanced as events go out, and sent along with each as its id. */
  cursor: EventCursor;
};

/** Spread so that many clients do not all knock on a host that came back at the same moment. */
const jittered = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

/**
 * Sends the events of every host in one stream, until `signal` ends it. Each host is followed on its own: one
 * that breaks is reported `detached`, tried again with backoff, and on its return reported `attached` and
 * asked for what it had since its last delivered event. Events go out one at a time, each carrying the cursor
 * that includes it; a host waits for its event to be taken before reading the next, so a slow client holds
 * back the daemons instead of filling memory.
 */
export async function streamMergedEvents(
  registry: HostRegistry,
  { hosts, filter, cursor }: MergedEvents,
  send: Send,
  signal: AbortSignal,
): Promise<void> {
  let queue = Promise.resolve();
  const deliver = (update: () => [string, Record<string, unknown>]) => {
    const sent = queue.then(() => {
      const [type, data] = update();
      return send(type, data, cursor.encode());
    });
    queue = sent.catch(() => {});
    return sent;
  };
  const deliverEvent = ({ event, timeNano }: TimedHostEvent) =>
    deliver(() => {
      cursor.advance(event.host, timeNano);
      return [event.type, event];
    });
  const deliverState = (state: Omit<HostStateEvent, "type">) => deliver(() => ["host", state]);

  await Promise.all(
    hosts.map((host) => followHost(registry, host, { filter, cursor, signal, deliverEvent, deliverState })),
  );
}

type Follow = {
  filter: EventFilter;
  cursor: EventCursor;
  signal: AbortSignal;
  deliverEvent: (event: TimedHostEvent) => Promise<void>;
  deliverState: (state: Omit<HostStateEvent, "type">) => Promise<void>;
};

async function followHost(registry: HostRegistry, host: string, follow: Follow): Promise<void> {
  const { filter, cursor, signal, deliverEvent, deliverState } = follow;
  let state: HostStateEvent["state"] | undefined;
  let retryMs = FIRST_RETRY_MS;
  while (!signal.aborted) {
    let reason: string;
    let attachedAt: number | undefined;
    try {
      const client = await registry.get(host);
      const events = await client.events(filter, cursor.sinceFor(host), { signal });
      attachedAt = Date.now();
      const again = state === "detached";
      state = "attached";
      await deliverState({
        host,
        state,
        reason: again ? `Host "${host}" answers again.` : `Following host "${host}".`,
      });
      for await (const event of events) await deliverEvent(event);
      reason = `Host "${host}" ended its event stream.`;
    } catch (error) {
      if (signal.aborted) return;
      reason = toHostFailure(host, error).message;
      if (error instanceof ApiError && FINAL_FAILURES.has(error.code)) {
        await deliverState({ host, state: "detached", reason });
        return;
      }
    }
    if (signal.aborted) return;
    if (state !== "detached") {
      state = "detached";
      await deliverState({ host, state, reason });
    }
    // Only a stream that held for a while earns a quick retry: one that breaks at once keeps backing off.
    retryMs = attachedAt !== undefined && Date.now() - attachedAt > MAX_RETRY_MS ? FIRST_RETRY_MS : retryMs;
    if (!(await pause(jittered(retryMs), signal))) return;
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }
}

/** Waits `ms`; false when `signal` ended the wait. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
