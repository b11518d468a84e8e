import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { ApiError } from "../errors/api-error.js";
import type { ImageDetail, ImageHistory, ImageSummary } from "../schemas/image.js";
import type { BuildSandbox } from "./build-policy.js";
import type { CallOptions } from "./call-options.js";
import { daemonMessage } from "./docker-errors.js";
import type { Engine } from "./engine.js";
import { toImageDetail, toImageHistory, toImageSummary } from "./image-mapper.js";
import { splitReference } from "./image-reference.js";
import { registryError } from "./registry-errors.js";

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

export type OnProgress = (event: PullProgress) => void | Promise<void>;

export type RegistryAuth = { username: string; password: string };

export type PullSettings = { platform?: string | undefined; auth?: RegistryAuth | undefined };

function toPullProgress(line: Record<string, unknown>): PullProgress {
  const detail = (line.progressDetail ?? {}) as { current?: unknown; total?: unknown };
  return {
    id: typeof line.id === "string" ? line.id : null,
    status: typeof line.status === "string" ? line.status : "",
    current: typeof detail.current === "number" ? detail.current : null,
    total: typeof detail.total === "number" ? detail.total : null,
  };
}

/** Only the registry credentials, whatever else the caller's object holds. */
const authconfig = (auth: RegistryAuth | undefined) =>
  auth ? { authconfig: { username: auth.username, password: auth.password } } : {};

export class ImageCalls {
  constructor(private readonly engine: Engine) {}

  async list(options: CallOptions): Promise<ImageSummary[]> {
    const images = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.docker.listImages({ abortSignal }),
    );
    return images.map(toImageSummary);
  }

  async inspect(ref: string, options: CallOptions): Promise<ImageDetail> {
    return toImageDetail(await this.getImage<Dockerode.ImageInspectInfo>(ref, "json", options));
  }

  async history(ref: string, options: CallOptions): Promise<ImageHistory> {
    return toImageHistory(await this.getImage<Parameters<typeof toImageHistory>[0]>(ref, "history", options));
  }

  async remove(
    ref: string,
    flags: { force: boolean; noprune: boolean },
    options: CallOptions,
  ): Promise<void> {
    await this.engine.call(options, { kind: "image", ref }, (abortSignal) =>
      this.engine.docker.getImage(ref).remove({ force: flags.force, noprune: flags.noprune, abortSignal }),
    );
  }

  async prune(all: boolean, options: CallOptions): Promise<{ removed: string[]; reclaimedBytes: number }> {
    const result = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.docker.pruneImages({ filters: { dangling: [all ? "false" : "true"] }, abortSignal }),
    );
    const removed = (result.ImagesDeleted ?? []).flatMap((entry: { Deleted?: string; Untagged?: string }) =>
      entry.Deleted ? [entry.Deleted] : [],
    );
    return { removed, reclaimedBytes: result.SpaceReclaimed ?? 0 };
  }

  async tag(source: string, target: string, options: CallOptions): Promise<void> {
    if (target.includes("@")) throw new ApiError("invalid_request", "A tag cannot carry a digest.");
    const { repository, tag } = splitReference(target);
    await this.engine.call(options, { kind: "image", ref: source }, (abortSignal) =>
      this.engine.docker.getImage(source).tag({ repo: repository, tag, abortSignal }),
    );
  }

  /**
   * Pulls an image and resolves once the pull has finished. The daemon answers HTTP 200 and reports a failed
   * pull inside the stream, so every line is read and an `error` in it becomes a real error. Progress lines go
   * to `onProgress`. The stream has an idle deadline, not a total one: big images take long, silent ones fail.
   */
  async pull(
    ref: string,
    settings: PullSettings,
    onProgress: OnProgress,
    options: CallOptions,
  ): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.engine.openStream(options, { kind: "image", ref }, (abortSignal) =>
        this.engine.docker.pull(ref, {
          ...(settings.platform ? { platform: settings.platform } : {}),
          ...authconfig(settings.auth),
          abortSignal,
        }),
      );
    } catch (error) {
      throw this.refusedPull(error, ref);
    }
    await this.followRegistry(stream as Readable, `the pull of ${ref}`, ref, onProgress, options);
  }

  /**
   * Pushes an image to its registry. Like a pull, a failed push is HTTP 200 with an `error` in the stream,
   * which becomes a real error here.
   */
  async push(
    ref: string,
    auth: RegistryAuth | undefined,
    onProgress: OnProgress,
    options: CallOptions,
  ): Promise<void> {
    if (ref.includes("@"))
      throw new ApiError("invalid_request", "Push a tag, not a digest: the registry names it.");
    const { repository, tag } = splitReference(ref);
    const stream = await this.engine.openStream(options, { kind: "image", ref }, (abortSignal) =>
      this.engine.docker.getImage(repository).push({ tag, ...authconfig(auth), abortSignal }),
    );
    await this.followRegistry(stream as Readable, `the push of ${ref}`, ref, onProgress, options);
  }

  /**
   * Builds an image from a tar context. A failing step is reported inside the daemon's 200 stream; it becomes
   * 422 `build_failed` with the daemon's message. Build output lines go to `onOutput`.
   */
  async build(
    context: Readable,
    settings: BuildSettings,
    onOutput: (line: string) => void | Promise<void>,
    options: CallOptions,
  ): Promise<{ imageId: string }> {
    const { hostId } = this.engine;
    // The daemon answers once it has the whole context: allow for uploading it.
    const stream = await this.engine.openStream(
      this.engine.withGrace(options, 120),
      undefined,
      (abortSignal) =>
        this.engine.docker.buildImage(context, {
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
    const failure = await this.engine.readProgress(stream as Readable, "the build", options, async (line) => {
      const aux = line.aux as { ID?: unknown } | undefined;
      if (typeof aux?.ID === "string") imageId = aux.ID;
      if (typeof line.stream === "string") await onOutput(line.stream.replace(/\n$/, ""));
    });
    if (failure) throw new ApiError("build_failed", `The build on host "${hostId}" failed: ${failure}`);
    if (!imageId)
      throw new ApiError("host_error", `Host "${hostId}" finished the build without naming an image.`);
    return { imageId };
  }

  /** dockerode's image inspect and history drop the abort signal, so these go through the modem. */
  private getImage<T>(ref: string, endpoint: "json" | "history", options: CallOptions): Promise<T> {
    // `ref` passed the strict image grammar: it is safe in a path as it is.
    return this.engine.call(options, { kind: "image", ref }, (abortSignal) =>
      this.engine.dial<T>({ path: `/images/${ref}/${endpoint}`, method: "GET", abortSignal }),
    );
  }

  /** A pull refused before its stream starts (unknown manifest, no credentials) is still a registry failure. */
  private refusedPull(error: unknown, ref: string): unknown {
    const cause =
      error instanceof ApiError
        ? (error.cause as Parameters<typeof daemonMessage>[0] | undefined)
        : undefined;
    const message = cause && typeof cause.statusCode === "number" ? daemonMessage(cause) : "";
    return message ? registryError(message, ref, this.engine.hostId, error) : error;
  }

  /** Reads a pull's or push's stream to its end; an `error` the registry reported in it is thrown. */
  private async followRegistry(
    stream: Readable,
    what: string,
    ref: string,
    onProgress: OnProgress,
    options: CallOptions,
  ): Promise<void> {
    const failure = await this.engine.readProgress(stream, what, options, (line) =>
      onProgress(toPullProgress(line)),
    );
    if (failure) throw registryError(failure, ref, this.engine.hostId);
  }
}
