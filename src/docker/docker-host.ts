import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { ApiError } from "../errors/api-error.js";
import type { ContainerDetail, ContainerState, ContainerSummary } from "../schemas/container.js";
import type { ImageDetail, ImageHistory, ImageSummary } from "../schemas/image.js";
import type { ContainerStats } from "../schemas/stats.js";
import type { Network, Volume } from "../schemas/volume-network.js";
import type { BuildSandbox } from "./build-policy.js";
import { type Connection, createDockerClient, type DockerClient } from "./connection.js";
import {
  type ContainerPowers,
  mountedVolumes,
  toContainerDetail,
  toContainerPowers,
  toContainerSummary,
  type VolumeSettings,
} from "./container-mapper.js";
import {
  type CallContext,
  type CallTarget,
  daemonMessage,
  type ModemError,
  toApiError,
} from "./docker-errors.js";
import { parseEngineEvent, type TimedHostEvent, toDockerTime } from "./event-mapper.js";
import {
  type ExecEngine,
  type ExecProcess,
  type ExecRequest,
  type ExecSession,
  startExec,
} from "./exec-session.js";
import { type EngineInfo, type HostInfo, toHostInfo } from "./host-info-mapper.js";
import { toImageDetail, toImageHistory, toImageSummary } from "./image-mapper.js";
import { splitReference } from "./image-reference.js";
import { boundedLines, IdleStreamError, readJsonLines } from "./json-lines.js";
import { frames, type LogLine, type LogStream, logLines } from "./log-frames.js";
import { registryError } from "./registry-errors.js";
import { type EngineStats, toContainerStats } from "./stats-mapper.js";
import { type EngineNetwork, type EngineVolume, toNetwork, toVolume } from "./volume-network-mapper.js";

// dockerode passes abortSignal through on these calls; @types/dockerode has not caught up.
type Signalled = { abortSignal: AbortSignal };
// dockerode's stats takes both modes and an abortSignal; @types/dockerode knows neither.
type StatsCalls = { stats(options: { stream: boolean; abortSignal: AbortSignal }): Promise<unknown> };

/** The Docker body of `POST /containers/create`, built only by `toDockerCreateBody`. */
export type DockerCreateBody = Dockerode.ContainerCreateOptions & { Image: string };

export type ContainerProcesses = { titles: string[]; processes: string[][] };

/** A container's log, read once: as lines (with their stream), as plain text, or as raw per-stream chunks. */
export type ContainerLogs = {
  lines(): AsyncGenerator<LogLine>;
  text(): AsyncGenerator<Buffer>;
  chunks(): AsyncGenerator<{ stream: LogStream; data: Buffer }>;
};

/** How a container ended, as its `/wait` reports it. */
export type ContainerExit = { exitCode: number; error: string | null };

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

export type BuildSettings = {
  tags: string[];
  dockerfile?: string | undefined;
  target?: string | undefined;
  buildArgs?: Record<string, string> | undefined;
  labels?: Record<string, string> | undefined;
  /** Required: no build runs its steps unbounded or on a network it was not granted. */
  sandbox: BuildSandbox;
};

/** CFS period of a build's `RUN` containers; the quota is a share of it. */
const BUILD_CPU_PERIOD_US = 100_000;

/** One line of a pull's progress: a layer (`id`) and what is happening to it. */
export type PullProgress = {
  id: string | null;
  status: string;
  current: number | null;
  total: number | null;
};

function toPullProgress(line: Record<string, unknown>): PullProgress {
  const detail = (line.progressDetail ?? {}) as { current?: unknown; total?: unknown };
  return {
    id: typeof line.id === "string" ? line.id : null,
    status: typeof line.status === "string" ? line.status : "",
    current: typeof detail.current === "number" ? detail.current : null,
    total: typeof detail.total === "number" ? detail.total : null,
  };
}

type EngineCalls = {
  createContainer(options: {
    _query: Record<string, string>;
    _body: DockerCreateBody;
    abortSignal: AbortSignal;
  }): Promise<{ id: string }>;
  ping(options: Signalled): Promise<unknown>;
  info(options: Signalled): Promise<EngineInfo>;
  version(options: Signalled): Promise<Dockerode.DockerVersion>;
  modem: { version?: string };
};

/** Engine API versions portcall speaks; a newer daemon is spoken to at MAX, as the docker CLI does. */
const MIN_API_VERSION = "1.40";
const MAX_API_VERSION = "1.47";

export type DockerHostOptions = {
  id: string;
  connection: Connection;
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

export type ContainerListFilter = {
  all: boolean;
  /** `key` or `key=value`, all of which must match. */
  labels: string[];
  status?: ContainerState[];
};

/** Which events to ask the daemon for; each list empty means any. */
export type EventFilter = { types: string[]; actions: string[]; labels: string[] };

export type CallOptions = {
  /** The client's request signal: when the client goes away, the daemon call is dropped too. */
  signal?: AbortSignal;
  /** A shorter deadline than the host's default, e.g. for probes. */
  timeoutMs?: number;
};

export type HostHealth = {
  /** null until the host was tried once. */
  reachable: boolean | null;
  /** True once repeated failures made calls fail fast. */
  down: boolean;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  apiVersion: string | null;
  error: string | null;
};

/** The health of a host no call or probe has reached yet. */
export const UNKNOWN_HEALTH: HostHealth = Object.freeze({
  reachable: null,
  down: false,
  lastCheckedAt: null,
  latencyMs: null,
  apiVersion: null,
  error: null,
});

/** `promise`, or a rejection as soon as `signal` aborts (the work behind the promise goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

const TRANSPORT_FAILURES = new Set(["host_unavailable", "host_timeout"]);

/**
 * The only way portcall talks to one Docker daemon. Every call has a deadline and comes back either as
 * our own typed value or as an ApiError; nothing dockerode-shaped leaves this class.
 */
export class DockerHost {
  readonly id: string;
  private readonly docker: Dockerode;
  private readonly engine: EngineCalls;
  private readonly client: DockerClient;
  private readonly callTimeoutMs: number;
  private readonly failureThreshold: number;
  private readonly retryIntervalMs: number;
  private readonly streamIdleMs: number;
  private readonly opaqueFaults: boolean;
  private cgroupVersionOnce: Promise<string> | undefined;
  // close() aborts every call and stream still running. One controller per call, released when it ends: a
  // single long-lived signal combined with AbortSignal.any keeps every combination alive on Node 20.
  private readonly active = new Set<AbortController>();
  private closed = false;
  private negotiated: string | undefined;
  private negotiation: { promise: Promise<string>; controller: AbortController; waiters: number } | undefined;
  private failures = 0;
  private retryAt = 0;
  private health: HostHealth = { ...UNKNOWN_HEALTH };

  private constructor(options: DockerHostOptions, client: DockerClient) {
    this.id = options.id;
    this.client = client;
    this.docker = client.docker;
    this.engine = client.docker as unknown as EngineCalls;
    this.callTimeoutMs = options.callTimeoutMs;
    this.failureThreshold = options.failureThreshold ?? 3;
    this.retryIntervalMs = options.retryIntervalMs ?? 5_000;
    this.streamIdleMs = options.streamIdleMs ?? 120_000;
    this.opaqueFaults = options.opaqueFaults ?? false;
  }

  static async connect(options: DockerHostOptions): Promise<DockerHost> {
    return new DockerHost(options, await createDockerClient(options.connection, options.callTimeoutMs));
  }

  status(): HostHealth {
    return { ...this.health };
  }

  /**
   * Health probe: `/_ping` (the cheapest call the Engine API has), bypassing fail-fast, so a host that is
   * down comes back as soon as it answers. Negotiates the API version once the host is first reached.
   */
  async probe(options: CallOptions = {}): Promise<HostHealth> {
    const started = performance.now();
    try {
      await this.run(options, undefined, (abortSignal) => this.engine.ping({ abortSignal }));
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      await this.apiVersion(options);
      this.succeeded({ latencyMs });
    } catch (error) {
      this.failed(error, { force: true });
    }
    return this.status();
  }

  async info(options: CallOptions = {}): Promise<HostInfo> {
    const apiVersion = await this.apiVersion(options);
    const [info, version] = await this.call(options, undefined, (abortSignal) =>
      Promise.all([this.engine.info({ abortSignal }), this.engine.version({ abortSignal })]),
    );
    return toHostInfo(info, version, apiVersion);
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
    return toContainerDetail(await this.inspectRaw(ref, options));
  }

  async containerPowers(ref: string, options: CallOptions = {}): Promise<ContainerPowers> {
    const info = await this.inspectRaw(ref, options);
    const volumes = await this.volumeSettings(mountedVolumes(info), options);
    // On cgroup v1 every container is in the host's cgroup namespace unless it asks otherwise: that is no
    // power beyond any other container's. On v2 the default is private, so "host" was asked for.
    const hostCgroupIsDefault = (await this.cgroupVersion(options)) === "1";
    return toContainerPowers(info, volumes, { hostCgroupIsDefault });
  }

  /** The daemon's cgroup version, asked once: it changes only with a reboot of the host. */
  private cgroupVersion(options: CallOptions): Promise<string> {
    this.cgroupVersionOnce ??= this.call(options, undefined, (abortSignal) =>
      this.engine.info({ abortSignal }),
    )
      .then((info) => info.CgroupVersion ?? "1")
      .catch((error: unknown) => {
        this.cgroupVersionOnce = undefined;
        throw error;
      });
    return this.cgroupVersionOnce;
  }

  /** Driver and options of each of these volumes that exists; a missing one is made plain when it is used. */
  async volumeSettings(names: string[], options: CallOptions = {}): Promise<VolumeSettings[]> {
    const found = await Promise.all(
      names.map((name) =>
        this.inspectVolumeRaw(name, options).then(
          (volume): VolumeSettings[] => [{ name, driver: volume.Driver, options: volume.Options ?? {} }],
          (error: unknown): VolumeSettings[] => {
            if (error instanceof ApiError && error.code === "volume_not_found") return [];
            throw error;
          },
        ),
      ),
    );
    return found.flat();
  }

  private inspectRaw(ref: string, options: CallOptions): Promise<Dockerode.ContainerInspectInfo> {
    return this.call(options, { kind: "container", ref }, (abortSignal) =>
      this.docker.getContainer(encodeURIComponent(ref)).inspect({ abortSignal }),
    );
  }

  async listImages(options: CallOptions = {}): Promise<ImageSummary[]> {
    const images = await this.call(options, undefined, (abortSignal) =>
      this.docker.listImages({ abortSignal }),
    );
    return images.map(toImageSummary);
  }

  async inspectImage(ref: string, options: CallOptions = {}): Promise<ImageDetail> {
    const info = await this.call(options, { kind: "image", ref }, (abortSignal) =>
      this.get<Dockerode.ImageInspectInfo>(`/images/${ref}/json`, abortSignal),
    );
    return toImageDetail(info);
  }

  async imageHistory(ref: string, options: CallOptions = {}): Promise<ImageHistory> {
    const history = await this.call(options, { kind: "image", ref }, (abortSignal) =>
      this.get<Parameters<typeof toImageHistory>[0]>(`/images/${ref}/history`, abortSignal),
    );
    return toImageHistory(history);
  }

  async removeImage(
    ref: string,
    flags: { force: boolean; noprune: boolean },
    options: CallOptions = {},
  ): Promise<void> {
    await this.call(options, { kind: "image", ref }, (abortSignal) =>
      this.docker.getImage(ref).remove({ force: flags.force, noprune: flags.noprune, abortSignal }),
    );
  }

  async pruneImages(
    all: boolean,
    options: CallOptions = {},
  ): Promise<{ removed: string[]; reclaimedBytes: number }> {
    const result = await this.call(options, undefined, (abortSignal) =>
      this.docker.pruneImages({ filters: { dangling: [all ? "false" : "true"] }, abortSignal }),
    );
    const removed = (result.ImagesDeleted ?? []).flatMap((entry: { Deleted?: string; Untagged?: string }) =>
      entry.Deleted ? [entry.Deleted] : [],
    );
    return { removed, reclaimedBytes: result.SpaceReclaimed ?? 0 };
  }

  async tagImage(source: string, target: string, options: CallOptions = {}): Promise<void> {
    if (target.includes("@")) throw new ApiError("invalid_request", "A tag cannot carry a digest.");
    const { repository, tag } = splitReference(target);
    await this.call(options, { kind: "image", ref: source }, (abortSignal) =>
      this.docker.getImage(source).tag({ repo: repository, tag, abortSignal }),
    );
  }

  /**
   * Pulls an image and resolves once the pull has finished. The daemon answers HTTP 200 and reports a failed
   * pull inside the stream, so every line is read and an `error` in it becomes a real error. Progress lines go
   * to `onProgress`. The stream has an idle deadline, not a total one: big images take long, silent ones fail.
   */
  async pullImage(
    ref: string,
    settings: { platform?: string | undefined; auth?: { username: string; password: string } | undefined },
    onProgress: (event: PullProgress) => void | Promise<void> = () => {},
    options: CallOptions = {},
  ): Promise<void> {
    // A pull refused before its stream starts (unknown manifest, no credentials) is still a registry failure.
    const registryFailure = (error: unknown) => {
      const cause =
        error instanceof ApiError
          ? (error.cause as Parameters<typeof daemonMessage>[0] | undefined)
          : undefined;
      const message = cause && typeof cause.statusCode === "number" ? daemonMessage(cause) : "";
      return message ? registryError(message, ref, this.id, error) : error;
    };
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.openStream(options, { kind: "image", ref }, (abortSignal) =>
        this.docker.pull(ref, {
          ...(settings.platform ? { platform: settings.platform } : {}),
          ...(settings.auth
            ? { authconfig: { username: settings.auth.username, password: settings.auth.password } }
            : {}),
          abortSignal,
        }),
      );
    } catch (error) {
      throw registryFailure(error);
    }
    const failure = await this.consumeProgress(stream as Readable, `the pull of ${ref}`, options, (line) =>
      onProgress(toPullProgress(line)),
    );
    if (failure) throw registryError(failure, ref, this.id);
  }

  /**
   * A container's logs as a stream of lines, demultiplexed by the container's own TTY setting. Always a
   * stream, even without `follow`, so a huge log never sits in memory; `signal` ends it (and the daemon
   * request) when the client leaves.
   */
  async containerLogs(
    ref: string,
    query: LogQuery,
    options: CallOptions & { signal: AbortSignal },
  ): Promise<ContainerLogs> {
    const { config } = await this.inspectContainer(ref, options);
    const params: Record<string, string | number | boolean> = {
      follow: query.follow,
      stdout: query.stdout,
      stderr: query.stderr,
      timestamps: query.timestamps,
      ...(query.tail !== undefined ? { tail: query.tail } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.until !== undefined ? { until: query.until } : {}),
    };
    const stream = await this.containerStream(ref, "GET", "logs", params, options);
    return {
      lines: () => logLines(stream, { tty: config.tty, timestamps: query.timestamps }),
      // Plain text needs no line splitting: payloads pass through as they come.
      text: async function* () {
        for await (const frame of frames(stream, config.tty)) yield frame.data;
      },
      chunks: () => frames(stream, config.tty),
    };
  }

  /**
   * Pushes an image to its registry. Like a pull, a failed push is HTTP 200 with an `error` in the stream,
   * which becomes a real error here.
   */
  async pushImage(
    ref: string,
    auth: { username: string; password: string } | undefined,
    onProgress: (event: PullProgress) => void | Promise<void> = () => {},
    options: CallOptions = {},
  ): Promise<void> {
    if (ref.includes("@"))
      throw new ApiError("invalid_request", "Push a tag, not a digest: the registry names it.");
    const { repository, tag } = splitReference(ref);
    const stream = await this.openStream(options, { kind: "image", ref }, (abortSignal) =>
      this.docker.getImage(repository).push({
        tag,
        ...(auth ? { authconfig: { username: auth.username, password: auth.password } } : {}),
        abortSignal,
      }),
    );
    const failure = await this.consumeProgress(stream as Readable, `the push of ${ref}`, options, (line) =>
      onProgress(toPullProgress(line)),
    );
    if (failure) throw registryError(failure, ref, this.id);
  }

  /**
   * Builds an image from a tar context. A failing step is reported inside the daemon's 200 stream; it becomes
   * 422 `build_failed` with the daemon's message. Build output lines go to `onOutput`.
   */
  async buildImage(
    context: Readable,
    settings: BuildSettings,
    onOutput: (line: string) => void | Promise<void> = () => {},
    options: CallOptions = {},
  ): Promise<{ imageId: string }> {
    // The daemon answers once it has the whole context: allow for uploading it.
    const stream = await this.openStream(this.withGrace(options, 120), undefined, (abortSignal) =>
      this.docker.buildImage(context, {
        // The Engine API takes `t` once per tag; docker-modem writes an array as repeated parameters.
        t: settings.tags as unknown as string,
        dockerfile: settings.dockerfile ?? "Dockerfile",
        ...(settings.target ? { target: settings.target } : {}),
        ...(settings.buildArgs ? { buildargs: settings.buildArgs } : {}),
        ...(settings.labels ? { labels: settings.labels } : {}),
        memory: settings.sandbox.memoryBytes,
        // Equal to memory: no swap on top of the limit.
        memswap: settings.sandbox.memoryBytes,
        cpuperiod: BUILD_CPU_PERIOD_US,
        cpuquota: Math.round(settings.sandbox.cpus * BUILD_CPU_PERIOD_US),
        networkmode: settings.sandbox.network,
        rm: true,
        forcerm: true,
        abortSignal,
      }),
    );
    let imageId: string | undefined;
    const failure = await this.consumeProgress(stream as Readable, "the build", options, async (line) => {
      const aux = line.aux as { ID?: unknown } | undefined;
      if (typeof aux?.ID === "string") imageId = aux.ID;
      if (typeof line.stream === "string") await onOutput(line.stream.replace(/\n$/, ""));
    });
    if (failure) throw new ApiError("build_failed", `The build on host "${this.id}" failed: ${failure}`);
    if (!imageId)
      throw new ApiError("host_error", `Host "${this.id}" finished the build without naming an image.`);
    return { imageId };
  }

  /**
   * Opens a streaming call. The call's deadline covers only the wait for the daemon's answer; once the stream
   * flows, it lives until it ends, the client leaves, or the host is closed (a pull may take many minutes).
   */
  private openStream<T extends NodeJS.ReadableStream>(
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

  /** A controller that close() aborts, until it is deleted from `active`. */
  private track(): AbortController {
    const controller = new AbortController();
    if (this.closed) controller.abort(new Error("the host connection is closing"));
    else this.active.add(controller);
    return controller;
  }

  /** Reads a progress stream to its end; resolves with the stream's own error message, if it reported one. */
  private async consumeProgress(
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
          `Host "${this.id}" stopped reporting on ${what} (${error.message}).`,
        );
      }
      throw toApiError(error, {
        hostId: this.id,
        deadlineMs: this.streamIdleMs,
        abortedBy: options.signal?.aborted ? "client" : undefined,
      });
    }
    return failure;
  }

  async listVolumes(options: CallOptions = {}): Promise<Volume[]> {
    const result = await this.call(options, undefined, (abortSignal) =>
      this.get<{ Volumes: EngineVolume[] | null }>("/volumes", abortSignal),
    );
    return (result.Volumes ?? []).map(toVolume);
  }

  async inspectVolume(name: string, options: CallOptions = {}): Promise<Volume> {
    return toVolume(await this.inspectVolumeRaw(name, options));
  }

  private inspectVolumeRaw(name: string, options: CallOptions): Promise<EngineVolume> {
    return this.call(options, { kind: "volume", ref: name }, (abortSignal) =>
      this.get<EngineVolume>(`/volumes/${encodeURIComponent(name)}`, abortSignal),
    );
  }

  async createVolume(
    spec: {
      name: string;
      labels?: Record<string, string> | undefined;
      driverOpts?: Record<string, string> | undefined;
    },
    options: CallOptions = {},
  ): Promise<Volume> {
    await this.call(options, undefined, (abortSignal) =>
      this.docker.createVolume({
        Name: spec.name,
        Driver: "local",
        Labels: spec.labels ?? {},
        DriverOpts: spec.driverOpts ?? {},
        abortSignal,
      }),
    );
    return this.inspectVolume(spec.name, options);
  }

  async removeVolume(name: string, options: CallOptions = {}): Promise<void> {
    await this.call(options, { kind: "volume", ref: name }, (abortSignal) =>
      this.docker.getVolume(name).remove({ abortSignal }),
    );
  }

  async pruneVolumes(options: CallOptions = {}): Promise<{ removed: string[]; reclaimedBytes: number }> {
    const result = await this.call(options, undefined, (abortSignal) =>
      this.docker.pruneVolumes({ abortSignal }),
    );
    return { removed: result.VolumesDeleted ?? [], reclaimedBytes: result.SpaceReclaimed ?? 0 };
  }

  async listNetworks(options: CallOptions = {}): Promise<Network[]> {
    const networks = await this.call(options, undefined, (abortSignal) =>
      this.get<EngineNetwork[]>("/networks", abortSignal),
    );
    return networks.map(toNetwork);
  }

  async inspectNetwork(ref: string, options: CallOptions = {}): Promise<Network> {
    return toNetwork(
      await this.call(options, { kind: "network", ref }, (abortSignal) =>
        this.get<EngineNetwork>(`/networks/${ref}`, abortSignal),
      ),
    );
  }

  async createNetwork(
    spec: { name: string; internal: boolean; labels?: Record<string, string> | undefined },
    options: CallOptions = {},
  ): Promise<Network> {
    const created = await this.call(options, undefined, (abortSignal) =>
      this.docker.createNetwork({
        Name: spec.name,
        Driver: "bridge",
        Internal: spec.internal,
        Labels: spec.labels ?? {},
        CheckDuplicate: true,
        abortSignal,
      }),
    );
    return this.inspectNetwork(created.id, options);
  }

  async removeNetwork(ref: string, options: CallOptions = {}): Promise<void> {
    await this.call(options, { kind: "network", ref }, (abortSignal) =>
      this.docker.getNetwork(ref).remove({ abortSignal }),
    );
  }

  async connectNetwork(
    ref: string,
    container: string,
    aliases: string[] | undefined,
    options: CallOptions = {},
  ): Promise<void> {
    await this.call(options, { kind: "network", ref }, (abortSignal) =>
      this.docker
        .getNetwork(ref)
        // dockerode passes abortSignal through; its types do not list it.
        .connect({
          Container: container,
          ...(aliases ? { EndpointConfig: { Aliases: aliases } } : {}),
          abortSignal,
        } as Dockerode.NetworkConnectOptions),
    );
  }

  async disconnectNetwork(ref: string, container: string, options: CallOptions = {}): Promise<void> {
    await this.call(options, { kind: "network", ref }, (abortSignal) =>
      this.docker.getNetwork(ref).disconnect({ Container: container, Force: false, abortSignal }),
    );
  }

  /** One stats sample (the daemon takes about a second: CPU use needs two readings). */
  async containerStats(ref: string, options: CallOptions = {}): Promise<ContainerStats> {
    const stats = await this.call(this.withGrace(options, 5), { kind: "container", ref }, (abortSignal) =>
      // `stream: false` answers one JSON sample; dockerode's types do not say so.
      (this.docker.getContainer(encodeURIComponent(ref)) as unknown as StatsCalls).stats({
        stream: false,
        abortSignal,
      }),
    );
    return toContainerStats(stats as unknown as EngineStats);
  }

  /** Stats samples as the daemon sends them (about one a second) until `signal` ends the stream. */
  async *streamContainerStats(
    ref: string,
    options: CallOptions & { signal: AbortSignal },
  ): AsyncGenerator<ContainerStats> {
    const stream = await this.openStream(
      options,
      { kind: "container", ref },
      (abortSignal) =>
        (this.docker.getContainer(encodeURIComponent(ref)) as unknown as StatsCalls).stats({
          stream: true,
          abortSignal,
        }) as Promise<Readable>,
    );
    try {
      for await (const line of boundedLines(stream)) {
        if (line.trim()) yield toContainerStats(JSON.parse(line) as EngineStats);
      }
    } finally {
      stream.destroy();
    }
  }

  /**
   * The daemon's events from `sinceNano` on (those it still holds, then each as it happens), once the daemon has
   * answered: an open stream means the host is attached. It lasts until it breaks or `signal` ends it.
   */
  async events(
    filter: EventFilter,
    sinceNano: bigint | undefined,
    options: CallOptions & { signal: AbortSignal },
  ): Promise<AsyncGenerator<TimedHostEvent>> {
    const filters: Record<string, string[]> = {};
    if (filter.types.length > 0) filters.type = filter.types;
    if (filter.actions.length > 0) filters.event = filter.actions;
    if (filter.labels.length > 0) filters.label = filter.labels;
    const stream = await this.openStream(options, undefined, (abortSignal) =>
      // `since` as text keeps its nanoseconds; @types/dockerode knows only whole seconds and no abortSignal.
      this.docker.getEvents({
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
        const event = parseEngineEvent(this.id, line);
        if (event) yield event;
      }
    } catch (error) {
      throw toApiError(error, {
        hostId: this.id,
        deadlineMs: 0,
        abortedBy: signal.aborted ? "client" : undefined,
      });
    } finally {
      stream.destroy();
    }
  }

  /** Creates a container from a body built by portcall's own translation (never from client JSON). */
  async createContainer(
    body: DockerCreateBody,
    name: string | undefined,
    options: CallOptions = {},
  ): Promise<{ id: string }> {
    // `_query` and `_body` keep docker-modem from also copying the whole body into the query string.
    const created = await this.call(options, { kind: "image", ref: body.Image }, (abortSignal) =>
      this.engine.createContainer({ _query: name ? { name } : {}, _body: body, abortSignal }),
    );
    return { id: created.id };
  }

  /**
   * The container actions answer whether they changed anything: false when the container already was so,
   * which Docker says with a 304 and which is a success all the same. Starting a running container is one.
   */
  startContainer(ref: string, options: CallOptions = {}): Promise<boolean> {
    return this.containerAction(ref, options, (container, abortSignal) => container.start({ abortSignal }));
  }

  /**
   * Stopping a stopped container is a success; the answer says whether it was still running (false: it had
   * stopped by itself). The deadline allows for the grace period.
   */
  stopContainer(ref: string, timeoutSeconds: number, options: CallOptions = {}): Promise<boolean> {
    return this.containerAction(ref, this.withGrace(options, timeoutSeconds), (container, abortSignal) =>
      container.stop({ t: timeoutSeconds, abortSignal }),
    );
  }

  restartContainer(ref: string, timeoutSeconds: number, options: CallOptions = {}): Promise<boolean> {
    return this.containerAction(ref, this.withGrace(options, timeoutSeconds), (container, abortSignal) =>
      container.restart({ t: timeoutSeconds, abortSignal }),
    );
  }

  killContainer(ref: string, signal: string, options: CallOptions = {}): Promise<boolean> {
    return this.containerAction(ref, options, (container, abortSignal) =>
      container.kill({ signal, abortSignal }),
    );
  }

  pauseContainer(ref: string, options: CallOptions = {}): Promise<boolean> {
    return this.containerAction(ref, options, (container, abortSignal) => container.pause({ abortSignal }));
  }

  unpauseContainer(ref: string, options: CallOptions = {}): Promise<boolean> {
    return this.containerAction(ref, options, (container, abortSignal) => container.unpause({ abortSignal }));
  }

  /**
   * Removes a container portcall just made and will not keep (it could not start, or be recorded), with its
   * anonymous volumes. Best effort: the caller is already failing with the error that says why.
   */
  async discardContainer(ref: string): Promise<void> {
    await this.removeContainer(ref, { force: true, volumes: true }).catch(() => {});
  }

  removeContainer(
    ref: string,
    flags: { force: boolean; volumes: boolean },
    options: CallOptions = {},
  ): Promise<boolean> {
    return this.containerAction(ref, options, (container, abortSignal) =>
      container.remove({ force: flags.force, v: flags.volumes, abortSignal }),
    );
  }

  renameContainer(ref: string, name: string, options: CallOptions = {}): Promise<boolean> {
    return this.containerAction(ref, options, (container, abortSignal) =>
      container.rename({ name, abortSignal }),
    );
  }

  async topContainer(ref: string, psArgs: string, options: CallOptions = {}): Promise<ContainerProcesses> {
    const top = await this.call(options, { kind: "container", ref }, (abortSignal) =>
      this.docker.getContainer(encodeURIComponent(ref)).top({ ps_args: psArgs, abortSignal }),
    );
    return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
  }

  /**
   * Waits until the container reaches `condition` or `timeoutMs` passes (then `timedOut`). Docker answers
   * `/wait` only when the condition is met, so the deadline here is the caller's, not the host's call deadline.
   */
  async waitContainer(
    ref: string,
    condition: "not-running" | "next-exit" | "removed",
    timeoutMs: number,
    options: CallOptions = {},
  ): Promise<{ timedOut: true } | { timedOut: false; exitCode: number; error: string | null }> {
    const limit = AbortSignal.timeout(timeoutMs);
    try {
      const result = await this.call(
        {
          signal: options.signal ? AbortSignal.any([options.signal, limit]) : limit,
          timeoutMs: timeoutMs + this.callTimeoutMs,
        },
        { kind: "container", ref },
        (abortSignal) => this.docker.getContainer(encodeURIComponent(ref)).wait({ condition, abortSignal }),
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
    options: CallOptions & { signal: AbortSignal },
  ): Promise<{ ended: Promise<ContainerExit> }> {
    const stream = await this.containerStream(ref, "POST", "wait", { condition }, options);
    const ended = (async () => {
      let body = "";
      try {
        for await (const line of boundedLines(stream)) body += line;
      } catch (error) {
        throw toApiError(error, {
          hostId: this.id,
          deadlineMs: 0,
          target: { kind: "container", ref },
          ...(options.signal.aborted ? { abortedBy: "client" as const } : {}),
        });
      }
      const answer = JSON.parse(body || "{}") as { StatusCode?: number; Error?: { Message?: string } | null };
      if (typeof answer.StatusCode !== "number") {
        throw new ApiError("host_error", `Host "${this.id}" ended the wait for ${ref} without an exit code.`);
      }
      return { exitCode: answer.StatusCode, error: answer.Error?.Message || null };
    })();
    // Whoever awaits it sees the failure; an abandoned wait must not become an unhandled rejection.
    ended.catch(() => {});
    return { ended };
  }

  /**
   * Starts a command in a container, never privileged; the session runs it to its end or its deadline. Docker
   * has no call that kills an exec: exec-session.ts says how a command is killed all the same.
   */
  exec(ref: string, request: ExecRequest, options: CallOptions = {}): Promise<ExecSession> {
    return startExec(this.execEngine(ref), request, options.signal);
  }

  private execEngine(ref: string): ExecEngine {
    return {
      hasShell: (signal) => this.pathExists(ref, "/bin/sh", { signal }),
      start: (process, signal) => this.startExecProcess(ref, process, { signal }),
      exitCode: (id) => this.execExitCode(id),
      streamFailure: (error) => toApiError(error, { hostId: this.id, deadlineMs: 0 }),
    };
  }

  /**
   * Whether `path` is in the container's filesystem (running or not), by a HEAD of its archive. The daemon
   * answers 404 for a missing container too: a caller that goes on to use the container learns which it was.
   */
  private pathExists(ref: string, path: string, options: CallOptions): Promise<boolean> {
    return this.call(
      options,
      undefined,
      (abortSignal) =>
        new Promise<boolean>((resolve, reject) => {
          this.docker.modem.dial(
            {
              path: `/containers/${encodeURIComponent(ref)}/archive?`,
              options: { path },
              method: "HEAD",
              abortSignal,
              statusCodes: { 200: true, 404: "not found", 500: "server error" },
            },
            (error: ModemError | null) =>
              error?.statusCode === 404 ? resolve(false) : error ? reject(error) : resolve(true),
          );
        }),
    );
  }

  private async startExecProcess(
    ref: string,
    process: ExecProcess,
    options: CallOptions,
  ): Promise<{ id: string; output: Readable }> {
    const target: CallTarget = { kind: "container", ref };
    const exec = await this.call(options, target, (abortSignal) =>
      this.docker.getContainer(encodeURIComponent(ref)).exec({
        Cmd: process.cmd,
        Env: Object.entries(process.env ?? {}).map(([name, value]) => `${name}=${value}`),
        ...(process.workingDir ? { WorkingDir: process.workingDir } : {}),
        ...(process.user ? { User: process.user } : {}),
        // Without stdin attached, the command reads an empty one.
        AttachStdin: process.stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Privileged: false,
        abortSignal,
      }),
    );
    // The client's leaving is the session's to handle once the command started: it kills the command (for which
    // it needs the pid announced on this very stream) and only then cuts the stream. Host close still cuts it.
    const { signal: _client, ...untilStarted } = options;
    const socket = await this.openStream(untilStarted, target, async (signal) => {
      // Only a hijacked connection carries stdin; without the upgrade the daemon would read HTTP chunk framing.
      const upgraded = await exec.start({ hijack: true, stdin: true, abortSignal: signal });
      // The upgraded socket no longer belongs to the HTTP request that the signal aborts.
      signal.addEventListener("abort", () => upgraded.destroy(), { once: true });
      return upgraded;
    });
    // A half-close ends the command's stdin while its output still flows back; destroying would lose that.
    if (process.stdin !== undefined) socket.end(process.stdin);
    return { id: exec.id, output: socket };
  }

  private async execExitCode(id: string): Promise<number | null> {
    const info = await this.call({}, undefined, (abortSignal) =>
      this.docker.getExec(id).inspect({ abortSignal }),
    );
    return info.Running ? null : info.ExitCode;
  }

  /** A streaming call on one container, open once the daemon answered its headers. */
  private containerStream(
    ref: string,
    method: "GET" | "POST",
    endpoint: "logs" | "wait",
    params: Record<string, string | number | boolean>,
    options: CallOptions & { signal: AbortSignal },
  ): Promise<Readable> {
    return this.openStream(
      options,
      { kind: "container", ref },
      (abortSignal) =>
        new Promise<Readable>((resolve, reject) => {
          this.docker.modem.dial(
            {
              // docker-modem appends `options` to a path ending in "?" (and drops a path's last character otherwise).
              path: `/containers/${encodeURIComponent(ref)}/${endpoint}?`,
              options: params,
              method,
              isStream: true,
              abortSignal,
              statusCodes: { 200: true, 404: "no such container", 500: "server error" },
            },
            (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as Readable)),
          );
        }),
    );
  }

  /**
   * A GET through docker-modem for the calls whose dockerode wrapper drops the abort signal (image inspect and
   * history). `path` holds only references that passed the strict image grammar.
   */
  private get<T>(path: string, abortSignal: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          path,
          method: "GET",
          abortSignal,
          statusCodes: { 200: true, 404: "not found", 500: "server error" },
        },
        (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as T)),
      );
    });
  }

  private withGrace(options: CallOptions, graceSeconds: number): CallOptions {
    return { ...options, timeoutMs: (options.timeoutMs ?? this.callTimeoutMs) + graceSeconds * 1000 };
  }

  private async containerAction(
    ref: string,
    options: CallOptions,
    action: (container: Dockerode.Container, abortSignal: AbortSignal) => Promise<unknown>,
  ): Promise<boolean> {
    try {
      await this.call(options, { kind: "container", ref }, (abortSignal) =>
        action(this.docker.getContainer(encodeURIComponent(ref)), abortSignal),
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

  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.active) controller.abort(new Error("the host connection is closing"));
    this.active.clear();
    await this.client.tunnel?.close();
  }

  /**
   * The Engine API version spoken to this host, asked once per connection (`/version` is not free). Callers
   * share one request; each stops waiting when its own client leaves, and the request itself is dropped once
   * nobody waits for it any more.
   */
  private async apiVersion(options: CallOptions): Promise<string> {
    if (this.negotiated) return this.negotiated;
    if (!this.negotiation) {
      const controller = new AbortController();
      const negotiation = {
        controller,
        waiters: 0,
        promise: this.run(
          { timeoutMs: options.timeoutMs, signal: controller.signal },
          undefined,
          (abortSignal) => this.engine.version({ abortSignal }),
        ).then((version) => this.choose(version.ApiVersion)),
      };
      this.negotiation = negotiation;
      negotiation.promise
        .then(
          (chosen) => {
            this.negotiated = chosen;
          },
          () => {},
        )
        .finally(() => {
          if (this.negotiation === negotiation) this.negotiation = undefined;
        });
    }
    const negotiation = this.negotiation;
    negotiation.waiters += 1;
    try {
      return await untilAborted(negotiation.promise, options.signal);
    } catch (error) {
      if (options.signal?.aborted)
        throw toApiError(error, { hostId: this.id, deadlineMs: 0, abortedBy: "client" });
      throw error;
    } finally {
      negotiation.waiters -= 1;
      if (negotiation.waiters === 0 && !this.negotiated) negotiation.controller.abort();
    }
  }

  private choose(offered: string): string {
    if (compareVersions(offered, MIN_API_VERSION) < 0) {
      throw new ApiError(
        "host_error",
        `Host "${this.id}" speaks Engine API ${offered}; portcall needs ${MIN_API_VERSION} or newer.`,
      );
    }
    const chosen = compareVersions(offered, MAX_API_VERSION) > 0 ? MAX_API_VERSION : offered;
    this.engine.modem.version = `v${chosen}`;
    this.health.apiVersion = chosen;
    return chosen;
  }

  /** A plain call: fails fast while the host is down, negotiates the version first, records the outcome. */
  private async call<T>(
    options: CallOptions,
    target: CallTarget | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (this.health.down && Date.now() < this.retryAt) {
      throw new ApiError(
        "host_unavailable",
        `Host "${this.id}" is down (${this.health.error ?? "it stopped answering"}); it is tried again shortly.`,
      );
    }
    try {
      await this.apiVersion(options);
      const result = await this.run(options, target, work);
      this.succeeded({});
      return result;
    } catch (error) {
      // A client that went away says nothing about the host.
      if (!options.signal?.aborted) this.failed(error, { force: false });
      throw error;
    }
  }

  private async run<T>(
    options: CallOptions,
    target: CallTarget | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const deadlineMs = options.timeoutMs ?? this.callTimeoutMs;
    const deadline = AbortSignal.timeout(deadlineMs);
    const life = this.track();
    const signals = [deadline, life.signal, ...(options.signal ? [options.signal] : [])];
    try {
      return await work(AbortSignal.any(signals));
    } catch (error) {
      const context: CallContext = { hostId: this.id, deadlineMs };
      if (this.opaqueFaults && !this.negotiated) context.opaque = true;
      if (target) context.target = target;
      if (this.client.tunnel?.lastError) context.transportDetail = this.client.tunnel.lastError;
      if (deadline.aborted) context.abortedBy = "deadline";
      else if (life.signal.aborted) context.abortedBy = "shutdown";
      else if (options.signal?.aborted) context.abortedBy = "client";
      throw toApiError(error, context);
    } finally {
      this.active.delete(life);
    }
  }

  private succeeded(update: { latencyMs?: number }): void {
    this.failures = 0;
    this.health = {
      ...this.health,
      reachable: true,
      down: false,
      lastCheckedAt: new Date().toISOString(),
      latencyMs: update.latencyMs ?? this.health.latencyMs,
      error: null,
    };
  }

  /** Only transport failures count against the host; a 404 says nothing about it. */
  private failed(error: unknown, { force }: { force: boolean }): void {
    const apiError = error instanceof ApiError ? error : undefined;
    if (!force && !(apiError && TRANSPORT_FAILURES.has(apiError.code))) return;
    if (this.closed) return;
    this.failures += 1;
    const down = this.failures >= this.failureThreshold;
    if (down) this.retryAt = Date.now() + this.retryIntervalMs;
    this.health = {
      ...this.health,
      reachable: false,
      down,
      lastCheckedAt: new Date().toISOString(),
      latencyMs: null,
      error: apiError?.message ?? "the host could not be reached",
    };
  }
}
