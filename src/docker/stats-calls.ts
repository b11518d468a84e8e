import type { Readable } from "node:stream";
import type { ContainerStats } from "../schemas/stats.js";
import type { CallOptions, StreamOptions } from "./call-options.js";
import type { Engine } from "./engine.js";
import { boundedLines } from "./json-lines.js";
import { type EngineStats, toContainerStats } from "./stats-mapper.js";

// dockerode's stats takes both modes and an abortSignal; @types/dockerode knows neither.
type StatsRequest = { stats(options: { stream: boolean; abortSignal: AbortSignal }): Promise<unknown> };

export class StatsCalls {
  constructor(private readonly engine: Engine) {}

  /** One stats sample (the daemon takes about a second: CPU use needs two readings). */
  async sample(ref: string, options: CallOptions): Promise<ContainerStats> {
    const grace = this.engine.withGrace(options, 5);
    const stats = await this.engine.call(grace, { kind: "container", ref }, (abortSignal) =>
      // `stream: false` answers one JSON sample; dockerode's types do not say so.
      this.request(ref).stats({ stream: false, abortSignal }),
    );
    return toContainerStats(stats as EngineStats);
  }

  /** Stats samples as the daemon sends them (about one a second) until `signal` ends the stream. */
  async *stream(ref: string, options: StreamOptions): AsyncGenerator<ContainerStats> {
    const stream = await this.engine.openStream(
      options,
      { kind: "container", ref },
      (abortSignal) => this.request(ref).stats({ stream: true, abortSignal }) as Promise<Readable>,
    );
    const fault = { signal: options.signal, target: { kind: "container" as const, ref } };
    try {
      for await (const line of this.engine.flowing(boundedLines(stream), fault)) {
        if (line.trim()) yield toContainerStats(JSON.parse(line) as EngineStats);
      }
    } finally {
      stream.destroy();
    }
  }

  private request(ref: string): StatsRequest {
    return this.engine.docker.getContainer(encodeURIComponent(ref)) as unknown as StatsRequest;
  }
}
