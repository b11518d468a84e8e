import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { ApiError } from "../errors/api-error.js";
import type { ContainerDetail, ContainerState, ContainerSummary } from "../schemas/container.js";
import type { CallOptions, StreamOptions } from "./call-options.js";
import {
  type ContainerPowers,
  mountedVolumes,
  toContainerDetail,
  toContainerPowers,
  toContainerSummary,
} from "./container-mapper.js";
import type { Engine } from "./engine.js";
import type { HostInfoCalls } from "./host-info-calls.js";
import { boundedLines } from "./json-lines.js";
import { type ContainerLogs, logsOf } from "./log-frames.js";
import type { VolumeCalls } from "./volume-calls.js";

/** The Docker body of `POST /containers/create`, built only by `toDockerCreateBody`. */
export type DockerCreateBody = Dockerode.ContainerCreateOptions & { Image: string };

export type ContainerProcesses = { titles: string[]; processes: string[][] };

export type { ContainerLogs } from "./log-frames.js";

/** How a container ended, as its `/wait` reports it. */
export type ContainerExit = { exitCode: number; error: string | null };

export type WaitCondition = "not-running" | "next-exit" | "removed";

export type WaitOutcome = { timedOut: true } | ({ timedOut: false } & ContainerExit);

export type LogQuery = {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  timestamps: boolean;
  tail?: number | undefined;
  /** Unix seconds. */
  since?: number | undefined;
  until?: number | undefined;
};

export type ContainerListFilter = {
  all: boolean;
  /** `key` or `key=value`, all of which must match. */
  labels: string[];
  status?: ContainerState[];
};

/** A log query as the daemon's `logs` endpoints (a container's, a service's) take it. */
export function logParams(query: LogQuery): Record<string, string | number | boolean> {
  return {
    follow: query.follow,
    stdout: query.stdout,
    stderr: query.stderr,
    timestamps: query.timestamps,
    ...(query.tail !== undefined ? { tail: query.tail } : {}),
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  };
}

type Action = (container: Dockerode.Container, abortSignal: AbortSignal) => Promise<unknown>;

export class ContainerCalls {
  constructor(
    private readonly engine: Engine,
    private readonly volumes: VolumeCalls,
    private readonly hostInfo: HostInfoCalls,
  ) {}

  async list(filter: ContainerListFilter, options: CallOptions): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = {};
    if (filter.labels.length > 0) filters.label = filter.labels;
    if (filter.status && filter.status.length > 0) filters.status = filter.status;
    const infos = await this.engine.getJson<Dockerode.ContainerInfo[]>(options, undefined, {
      path: "/containers/json",
      // size=false: asking the daemon for sizes walks every container's filesystem.
      query: { all: filter.all, size: false, filters },
      statusCodes: { 200: true, 400: "bad parameter", 500: "server error" },
    });
    return infos.map(toContainerSummary);
  }

  async inspect(ref: string, options: CallOptions): Promise<ContainerDetail> {
    return toContainerDetail(await this.inspectRaw(ref, options));
  }

  async powers(ref: string, options: CallOptions): Promise<ContainerPowers> {
    const info = await this.inspectRaw(ref, options);
    const volumes = await this.volumes.settings(mountedVolumes(info), options);
    // On cgroup v1 every container is in the host's cgroup namespace unless it asks otherwise: that is no
    // power beyond any other container's. On v2 the default is private, so "host" was asked for.
    const hostCgroupIsDefault = (await this.hostInfo.cgroupVersion(options)) === "1";
    return toContainerPowers(info, volumes, { hostCgroupIsDefault });
  }

  /** Creates a container from a body built by portcall's own translation (never from client JSON). */
  async create(
    body: DockerCreateBody,
    name: string | undefined,
    options: CallOptions,
  ): Promise<{ id: string }> {
    const created = await this.engine.call(options, { kind: "image", ref: body.Image }, (abortSignal) =>
      this.engine.docker.createContainer({ _query: name ? { name } : {}, _body: body, abortSignal }),
    );
    return { id: created.id };
  }

  /**
   * The container actions answer whether they changed anything: false when the container already was so,
   * which Docker says with a 304 and which is a success all the same. Starting a running container is one.
   */
  start(ref: string, options: CallOptions): Promise<boolean> {
    return this.act(ref, options, (container, abortSignal) => container.start({ abortSignal }));
  }

  /**
   * Stopping a stopped container is a success; the answer says whether it was still running (false: it had
   * stopped by itself). The deadline allows for the grace period.
   */
  stop(ref: string, timeoutSeconds: number, options: CallOptions): Promise<boolean> {
    return this.act(ref, this.engine.withGrace(options, timeoutSeconds), (container, abortSignal) =>
      container.stop({ t: timeoutSeconds, abortSignal }),
    );
  }

  restart(ref: string, timeoutSeconds: number, options: CallOptions): Promise<boolean> {
    return this.act(ref, this.engine.withGrace(options, timeoutSeconds), (container, abortSignal) =>
      container.restart({ t: timeoutSeconds, abortSignal }),
    );
  }

  kill(ref: string, signal: string, options: CallOptions): Promise<boolean> {
    return this.act(ref, options, (container, abortSignal) => container.kill({ signal, abortSignal }));
  }

  pause(ref: string, options: CallOptions): Promise<boolean> {
    return this.act(ref, options, (container, abortSignal) => container.pause({ abortSignal }));
  }

  unpause(ref: string, options: CallOptions): Promise<boolean> {
    return this.act(ref, options, (container, abortSignal) => container.unpause({ abortSignal }));
  }

  remove(ref: string, flags: { force: boolean; volumes: boolean }, options: CallOptions): Promise<boolean> {
    return this.act(ref, options, (container, abortSignal) =>
      container.remove({ force: flags.force, v: flags.volumes, abortSignal }),
    );
  }

  /**
   * Removes a container portcall just made and will not keep (it could not start, or be recorded), with its
   * anonymous volumes. Best effort: the caller is already failing with the error that says why.
   */
  async discard(ref: string): Promise<void> {
    await this.remove(ref, { force: true, volumes: true }, {}).catch(() => {});
  }

  rename(ref: string, name: string, options: CallOptions): Promise<boolean> {
    return this.act(ref, options, (container, abortSignal) => container.rename({ name, abortSignal }));
  }

  async top(ref: string, psArgs: string, options: CallOptions): Promise<ContainerProcesses> {
    const top = await this.engine.call(options, { kind: "container", ref }, (abortSignal) =>
      this.container(ref).top({ ps_args: psArgs, abortSignal }),
    );
    return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
  }

  /**
   * A container's logs as a stream of lines, demultiplexed by the container's own TTY setting. Always a
   * stream, even without `follow`, so a huge log never sits in memory; `signal` ends it (and the daemon
   * request) when the client leaves.
   */
  async logs(ref: string, query: LogQuery, options: StreamOptions): Promise<ContainerLogs> {
    const { config } = await this.inspect(ref, options);
    const stream = await this.stream(ref, "GET", "logs", logParams(query), options);
    const logs = logsOf(stream, { tty: config.tty, timestamps: query.timestamps });
    const fault = { signal: options.signal, target: { kind: "container" as const, ref } };
    return {
      lines: () => this.engine.flowing(logs.lines(), fault),
      text: () => this.engine.flowing(logs.text(), fault),
      chunks: () => this.engine.flowing(logs.chunks(), fault),
    };
  }

  /**
   * Waits until the container reaches `condition` or `timeoutMs` passes (then `timedOut`). Docker answers
   * `/wait` only when the condition is met, so the deadline here is the caller's, not the host's call deadline.
   */
  async wait(
    ref: string,
    condition: WaitCondition,
    timeoutMs: number,
    options: CallOptions,
  ): Promise<WaitOutcome> {
    const limit = AbortSignal.timeout(timeoutMs);
    try {
      const result = await this.engine.call(
        {
          signal: options.signal ? AbortSignal.any([options.signal, limit]) : limit,
          timeoutMs: timeoutMs + this.engine.callTimeoutMs,
        },
        { kind: "container", ref },
        (abortSignal) => this.container(ref).wait({ condition, abortSignal }),
      );
      return { timedOut: false, exitCode: result.StatusCode, error: result.Error?.Message || null };
    } catch (error) {
      if (limit.aborted && !options.signal?.aborted) return { timedOut: true };
      throw error;
    }
  }

  /**
   * Registers a wait for the container's end and resolves once the daemon holds it: the daemon answers a
   * `/wait`'s headers only after registering it, so a `next-exit` armed here before the start catches even a
   * container that exits within a millisecond. `ended` has no deadline of its own (runs last what they last);
   * `signal`, or closing the host, ends it.
   */
  async armExitWait(
    ref: string,
    condition: "next-exit" | "not-running",
    options: StreamOptions,
  ): Promise<{ ended: Promise<ContainerExit> }> {
    const stream = await this.stream(ref, "POST", "wait", { condition }, options);
    const ended = (async () => {
      let body = "";
      try {
        for await (const line of boundedLines(stream)) body += line;
      } catch (error) {
        throw this.engine.streamFailure(error, {
          signal: options.signal,
          target: { kind: "container", ref },
        });
      }
      const answer = JSON.parse(body || "{}") as { StatusCode?: number; Error?: { Message?: string } | null };
      if (typeof answer.StatusCode !== "number") {
        throw new ApiError(
          "host_error",
          `Host "${this.engine.hostId}" ended the wait for ${ref} without an exit code.`,
        );
      }
      return { exitCode: answer.StatusCode, error: answer.Error?.Message || null };
    })();
    // Whoever awaits it sees the failure; an abandoned wait must not become an unhandled rejection.
    ended.catch(() => {});
    return { ended };
  }

  private inspectRaw(ref: string, options: CallOptions): Promise<Dockerode.ContainerInspectInfo> {
    return this.engine.getJson(
      options,
      { kind: "container", ref },
      {
        path: `/containers/${encodeURIComponent(ref)}/json`,
        statusCodes: { 200: true, 404: "no such container", 500: "server error" },
      },
    );
  }

  // Encoded: a reference is a name or an id, and dockerode puts it into the path as it is.
  private container(ref: string): Dockerode.Container {
    return this.engine.docker.getContainer(encodeURIComponent(ref));
  }

  /** A streaming call on one container, open once the daemon answered its headers. */
  private stream(
    ref: string,
    method: "GET" | "POST",
    endpoint: "logs" | "wait",
    params: Record<string, string | number | boolean>,
    options: StreamOptions,
  ): Promise<Readable> {
    return this.engine.openStream(options, { kind: "container", ref }, (abortSignal) =>
      this.engine.dial<Readable>({
        // docker-modem appends `options` to a path ending in "?" (and drops a path's last character otherwise).
        path: `/containers/${encodeURIComponent(ref)}/${endpoint}?`,
        options: params,
        method,
        isStream: true,
        abortSignal,
        statusCodes: { 200: true, 404: "no such container", 500: "server error" },
      }),
    );
  }

  private async act(ref: string, options: CallOptions, action: Action): Promise<boolean> {
    try {
      await this.engine.call(options, { kind: "container", ref }, (abortSignal) =>
        action(this.container(ref), abortSignal),
      );
      return true;
    } catch (error) {
      // 304: already in the wanted state; asking twice is not an error.
      if (
        error instanceof ApiError &&
        (error.cause as { statusCode?: number } | undefined)?.statusCode === 304
      )
        return false;
      throw error;
    }
  }
}
