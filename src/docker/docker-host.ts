import Dockerode from "dockerode";
import type { ContainerDetail, ContainerState, ContainerSummary } from "../schemas/container.js";
import { toContainerDetail, toContainerSummary } from "./container-mapper.js";
import { type CallContext, type CallTarget, toApiError } from "./docker-errors.js";

// dockerode's ping takes an abortSignal; @types/dockerode has not caught up.
type PingWithSignal = { ping(options: { abortSignal: AbortSignal }): Promise<unknown> };

export type DockerHostOptions = {
  id: string;
  socketPath: string;
  /** Deadline of one plain (non-streaming) call. */
  callTimeoutMs: number;
};

export type ContainerListFilter = {
  all: boolean;
  /** `key` or `key=value`, all of which must match. */
  labels: string[];
  status?: ContainerState[];
};

export type CallOptions = {
  /** The client's request signal: when the client goes away, the daemon call is dropped too. */
  signal?: AbortSignal;
  /** A shorter deadline than the host's default, e.g. for probes. */
  timeoutMs?: number;
};

/**
 * The only way portcall talks to one Docker daemon. Every call has a deadline and comes back either
 * as our own typed value or as an ApiError; nothing dockerode-shaped leaves this class.
 */
export class DockerHost {
  readonly id: string;
  private readonly docker: Dockerode;
  private readonly callTimeoutMs: number;
  // Aborted by close(): ends calls and streams still running when the server shuts down.
  private readonly lifetime = new AbortController();

  constructor(options: DockerHostOptions) {
    this.id = options.id;
    this.callTimeoutMs = options.callTimeoutMs;
    // No custom agent and no modem `timeout`: an agent makes docker-modem slow under load, and its
    // `timeout` is a socket idle timer that would also kill long streams. Deadlines are AbortSignals.
    this.docker = new Dockerode({ socketPath: options.socketPath });
  }

  /** Round trip to `/_ping`, the cheapest call the Engine API has. */
  async ping(options: CallOptions = {}): Promise<{ latencyMs: number }> {
    const started = performance.now();
    await this.call(options, undefined, (abortSignal) =>
      (this.docker as PingWithSignal).ping({ abortSignal }),
    );
    return { latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  }

  async listContainers(filter: ContainerListFilter, options: CallOptions = {}): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = {};
    if (filter.labels.length > 0) filters.label = filter.labels;
    if (filter.status && filter.status.length > 0) filters.status = filter.status;
    const infos = await this.call(options, undefined, (abortSignal) =>
      // size=false: asking the daemon for sizes walks every container's filesystem.
      this.docker.listContainers({ all: filter.all, size: false, filters, abortSignal }),
    );
    return infos.map(toContainerSummary);
  }

  async inspectContainer(ref: string, options: CallOptions = {}): Promise<ContainerDetail> {
    const info = await this.call(options, { kind: "container", ref }, (abortSignal) =>
      this.docker.getContainer(encodeURIComponent(ref)).inspect({ abortSignal }),
    );
    return toContainerDetail(info);
  }

  close(): void {
    this.lifetime.abort(new Error("portcall is shutting down"));
  }

  private async call<T>(
    options: CallOptions,
    target: CallTarget | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const deadlineMs = options.timeoutMs ?? this.callTimeoutMs;
    const deadline = AbortSignal.timeout(deadlineMs);
    const signals = [deadline, this.lifetime.signal, ...(options.signal ? [options.signal] : [])];
    try {
      return await run(AbortSignal.any(signals));
    } catch (error) {
      const context: CallContext = { hostId: this.id, deadlineMs };
      if (target) context.target = target;
      if (deadline.aborted) context.abortedBy = "deadline";
      else if (this.lifetime.signal.aborted) context.abortedBy = "shutdown";
      else if (options.signal?.aborted) context.abortedBy = "client";
      throw toApiError(error, context);
    }
  }
}
