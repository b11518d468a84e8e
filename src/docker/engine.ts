import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type Dockerode from "dockerode";
import { ApiError } from "../errors/api-error.js";
import { ApiVersionNegotiation } from "./api-version.js";
import type { CallOptions } from "./call-options.js";
import type { DockerClient } from "./connection.js";
import { type CallContext, type CallTarget, toApiError } from "./docker-errors.js";
import { HostBreaker, type HostHealth } from "./host-health.js";
import type { EngineInfo } from "./host-info-mapper.js";
import { IdleStreamError, readJsonLines } from "./json-lines.js";
import { getJson, type JsonGet, type ModemTarget } from "./json-request.js";
import type { SshTunnel } from "./ssh-tunnel.js";

// dockerode passes abortSignal through on these calls, and docker-modem reads `version` on every request;
// @types/dockerode says neither.
type Untyped = {
  // `_query` and `_body` keep docker-modem from also copying the whole body into the query string.
  createContainer(options: {
    _query: Record<string, string>;
    _body: Dockerode.ContainerCreateOptions;
    abortSignal: AbortSignal;
  }): Promise<{ id: string }>;
  ping(options: Signalled): Promise<unknown>;
  info(options: Signalled): Promise<EngineInfo>;
  version(options: Signalled): Promise<Dockerode.DockerVersion>;
  modem: ModemTarget;
};
type Signalled = { abortSignal: AbortSignal };

/** The dockerode client, with what it does that its types leave out. */
export type Docker = Dockerode & Untyped;

type DialRequest = Parameters<Dockerode["modem"]["dial"]>[0];

export type EngineOptions = {
  id: string;
  /** Deadline of one plain (non-streaming) call; also bounds connecting. */
  callTimeoutMs: number;
  /** How long a stream (pull progress, logs) may stay silent before it is cut. */
  streamIdleMs?: number;
  /** Consecutive transport failures after which calls fail fast until the host answers again. */
  failureThreshold?: number;
  /** While down, how long calls fail fast before one is let through to try the host again. */
  retryIntervalMs?: number;
  /** A non-admin set the connection: until it answers as a daemon, failures to reach it say only that. */
  opaqueFaults?: boolean;
};

/** What a stream that broke once flowing is turned into: it has no deadline, only its client's signal. */
export type StreamFault = { signal?: AbortSignal | undefined; target?: CallTarget; deadlineMs?: number };

/**
 * The call layer under every resource module: each call gets a deadline, the host's breaker and its negotiated
 * API version, and comes back as our own value or an ApiError. close() ends every call and stream still open.
 */
export class Engine {
  readonly hostId: string;
  readonly docker: Docker;
  readonly callTimeoutMs: number;
  readonly streamIdleMs: number;
  private readonly tunnel: SshTunnel | undefined;
  private readonly opaqueFaults: boolean;
  private readonly breaker: HostBreaker;
  private readonly version: ApiVersionNegotiation;
  // One controller per call, released when it ends: a single long-lived signal combined with AbortSignal.any
  // keeps every combination alive on Node 20.
  private readonly active = new Set<AbortController>();
  private closed = false;

  constructor(options: EngineOptions, client: DockerClient) {
    this.hostId = options.id;
    this.docker = client.docker;
    this.tunnel = client.tunnel;
    this.callTimeoutMs = options.callTimeoutMs;
    this.streamIdleMs = options.streamIdleMs ?? 120_000;
    this.opaqueFaults = options.opaqueFaults ?? false;
    this.breaker = new HostBreaker({
      hostId: options.id,
      failureThreshold: options.failureThreshold ?? 3,
      retryIntervalMs: options.retryIntervalMs ?? 5_000,
    });
    this.version = new ApiVersionNegotiation({
      hostId: options.id,
      // Checked inside the call, so that for a host a token registered a service that answers /version with
      // something else fails exactly like a closed port.
      offered: (callOptions) =>
        this.run(callOptions, undefined, async (abortSignal) => {
          const { ApiVersion } = await this.docker.version({ abortSignal });
          if (typeof ApiVersion !== "string" || !/^\d+\.\d+$/.test(ApiVersion))
            throw new Error("the answer to /version names no Engine API version");
          return ApiVersion;
        }),
      chosen: (apiVersion) => {
        this.docker.modem.version = `v${apiVersion}`;
        this.breaker.apiVersionChosen(apiVersion);
      },
    });
  }

  status(): HostHealth {
    return this.breaker.status();
  }

  /**
   * Health probe: `/_ping` (the cheapest call the Engine API has), bypassing fail-fast, so a host that is
   * down comes back as soon as it answers. Negotiates the API version once the host is first reached.
   */
  async probe(options: CallOptions): Promise<HostHealth> {
    const started = performance.now();
    try {
      await this.run(options, undefined, (abortSignal) => this.docker.ping({ abortSignal }));
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      await this.version.resolve(options);
      this.breaker.succeeded({ latencyMs });
    } catch (error) {
      this.breaker.failed(error, { force: true });
    }
    return this.status();
  }

  apiVersion(options: CallOptions): Promise<string> {
    return this.version.resolve(options);
  }

  /** A plain call: fails fast while the host is down, negotiates the version first, records the outcome. */
  async call<T>(
    options: CallOptions,
    target: CallTarget | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    this.breaker.refuseWhileDown();
    try {
      await this.version.resolve(options);
      const result = await this.run(options, target, work);
      this.breaker.succeeded({});
      return result;
    } catch (error) {
      // A client that went away says nothing about the host.
      if (!options.signal?.aborted) this.breaker.failed(error, { force: false });
      throw error;
    }
  }

  /**
   * Opens a streaming call. The call's deadline covers only the wait for the daemon's answer; once the stream
   * flows, it lives until it ends, the client leaves, or the host is closed (a pull may take many minutes).
   */
  openStream<T extends NodeJS.ReadableStream>(
    options: CallOptions,
    target: CallTarget | undefined,
    open: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return this.call(options, target, async (callSignal) => {
      const request = this.track();
      const relay = () => request.abort(callSignal.reason);
      callSignal.addEventListener("abort", relay, { once: true });
      const signal = options.signal ? AbortSignal.any([request.signal, options.signal]) : request.signal;
      try {
        const stream = await open(signal);
        (stream as unknown as Readable).once("close", () => this.active.delete(request));
        return stream;
      } catch (error) {
        this.active.delete(request);
        throw error;
      } finally {
        callSignal.removeEventListener("abort", relay);
      }
    });
  }

  /** A plain GET answered with JSON, without docker-modem's per-call work (see json-request.ts). */
  getJson<T>(options: CallOptions, target: CallTarget | undefined, request: JsonGet): Promise<T> {
    return this.call(options, target, (signal) => getJson<T>(this.docker.modem, request, signal));
  }

  /**
   * A request through docker-modem itself, for what dockerode does not wrap or wraps dropping the abort signal.
   * Its path holds only references that passed our own grammar, or are URI-encoded.
   */
  dial<T>(request: DialRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        { statusCodes: { 200: true, 404: "not found", 500: "server error" }, ...request },
        (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as T)),
      );
    });
  }

  /** The deadline of a call the daemon answers only after `graceSeconds` of its own (a stop's grace period). */
  withGrace(options: CallOptions, graceSeconds: number): CallOptions {
    return { ...options, timeoutMs: (options.timeoutMs ?? this.callTimeoutMs) + graceSeconds * 1000 };
  }

  /** Reads a progress stream to its end; resolves with the stream's own error message, if it reported one. */
  async readProgress(
    stream: Readable,
    what: string,
    options: CallOptions,
    onLine: (line: Record<string, unknown>) => void | Promise<void>,
  ): Promise<string | undefined> {
    let failure: string | undefined;
    try {
      await readJsonLines(stream, this.streamIdleMs, (line) => {
        const detail = line.errorDetail as { message?: unknown } | undefined;
        const error =
          typeof line.error === "string"
            ? line.error
            : typeof detail?.message === "string"
              ? detail.message
              : undefined;
        if (error) failure ??= error;
        else onLine(line);
      });
    } catch (error) {
      if (error instanceof IdleStreamError) {
        throw new ApiError(
          "host_timeout",
          `Host "${this.hostId}" stopped reporting on ${what} (${error.message}).`,
        );
      }
      throw this.streamFailure(error, { signal: options.signal, deadlineMs: this.streamIdleMs });
    }
    return failure;
  }

  /**
   * The items of a stream that flows, with a failure on the way (the daemon went away, the connection broke)
   * turned into the host's ApiError like any call's: a client is told the host failed, not that portcall did.
   */
  async *flowing<T>(items: AsyncIterable<T>, fault: StreamFault): AsyncGenerator<T> {
    try {
      yield* items;
    } catch (error) {
      throw this.streamFailure(error, fault);
    }
  }

  streamFailure(error: unknown, fault: StreamFault = {}): ApiError {
    return toApiError(error, {
      hostId: this.hostId,
      deadlineMs: fault.deadlineMs ?? 0,
      ...(fault.target ? { target: fault.target } : {}),
      ...(fault.signal?.aborted ? { abortedBy: "client" as const } : {}),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.breaker.close();
    for (const controller of this.active) controller.abort(new Error("the host connection is closing"));
    this.active.clear();
    await this.tunnel?.close();
  }

  private async run<T>(
    options: CallOptions,
    target: CallTarget | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const deadlineMs = options.timeoutMs ?? this.callTimeoutMs;
    // One controller that the deadline, the client and close() all abort: cheaper per call than a timeout
    // signal combined with AbortSignal.any, which Node 20 keeps alive in a registry until it is collected.
    const life = this.track();
    let pastDeadline = false;
    const timer = setTimeout(() => {
      pastDeadline = true;
      life.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    }, deadlineMs);
    const client = options.signal;
    const leave = () => life.abort(client?.reason);
    if (client?.aborted) leave();
    else client?.addEventListener("abort", leave, { once: true });
    const started = performance.now();
    try {
      return await work(life.signal);
    } catch (error) {
      const context: CallContext = { hostId: this.hostId, deadlineMs };
      if (this.opaqueFaults && !this.version.settled) {
        context.opaque = true;
        // A refused connection fails at once, a silent open port at the deadline: failing always at the
        // deadline keeps the time from telling them apart, as the opaque message keeps the text from it.
        const rest = deadlineMs - (performance.now() - started);
        const stop = life.signal;
        if (rest > 0 && !stop.aborted) await sleep(rest, undefined, { signal: stop }).catch(() => {});
      }
      if (target) context.target = target;
      if (this.tunnel?.lastError) context.transportDetail = this.tunnel.lastError;
      if (pastDeadline) context.abortedBy = "deadline";
      else if (this.closed) context.abortedBy = "shutdown";
      else if (client?.aborted) context.abortedBy = "client";
      throw toApiError(error, context);
    } finally {
      clearTimeout(timer);
      client?.removeEventListener("abort", leave);
      this.active.delete(life);
    }
  }

  /** A controller that close() aborts, until it is deleted from `active`. */
  private track(): AbortController {
    const controller = new AbortController();
    if (this.closed) controller.abort(new Error("the host connection is closing"));
    else this.active.add(controller);
    return controller;
  }
}
