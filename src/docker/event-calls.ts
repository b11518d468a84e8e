import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import type { StreamOptions } from "./call-options.js";
import type { Engine } from "./engine.js";
import { parseEngineEvent, type TimedHostEvent, toDockerTime } from "./event-mapper.js";
import { boundedLines } from "./json-lines.js";

/** Which events to ask the daemon for; each list empty means any. */
export type EventFilter = { types: string[]; actions: string[]; labels: string[] };

export class EventCalls {
  constructor(private readonly engine: Engine) {}

  /**
   * The daemon's events from `sinceNano` on (those it still holds, then each as it happens), once the daemon has
   * answered: an open stream means the host is attached. It lasts until it breaks or `signal` ends it.
   */
  async events(
    filter: EventFilter,
    sinceNano: bigint | undefined,
    options: StreamOptions,
  ): Promise<AsyncGenerator<TimedHostEvent>> {
    const filters: Record<string, string[]> = {};
    if (filter.types.length > 0) filters.type = filter.types;
    if (filter.actions.length > 0) filters.event = filter.actions;
    if (filter.labels.length > 0) filters.label = filter.labels;
    const stream = await this.engine.openStream(options, undefined, (abortSignal) =>
      // `since` as text keeps its nanoseconds; @types/dockerode knows only whole seconds and no abortSignal.
      this.engine.docker.getEvents({
        filters,
        ...(sinceNano !== undefined ? { since: toDockerTime(sinceNano) } : {}),
        abortSignal,
      } as unknown as Dockerode.GetEventsOptions),
    );
    return this.eventLines(stream as Readable, options.signal);
  }

  private async *eventLines(stream: Readable, signal: AbortSignal): AsyncGenerator<TimedHostEvent> {
    try {
      for await (const line of boundedLines(stream)) {
        const event = parseEngineEvent(this.engine.hostId, line);
        if (event) yield event;
      }
    } catch (error) {
      throw this.engine.streamFailure(error, { signal });
    } finally {
      stream.destroy();
    }
  }
}
