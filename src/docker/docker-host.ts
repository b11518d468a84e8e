import type { Readable } from "node:stream";
import type { ContainerDetail, ContainerSummary } from "../schemas/container.js";
import type { ImageDetail, ImageHistory, ImageSummary } from "../schemas/image.js";
import type { Service, SwarmNode, Task } from "../schemas/service.js";
import type { ContainerStats } from "../schemas/stats.js";
import type { Network, Volume } from "../schemas/volume-network.js";
import type { CallOptions, StreamOptions } from "./call-options.js";
import { type Connection, createDockerClient, type DockerClient } from "./connection.js";
import {
  ContainerCalls,
  type ContainerExit,
  type ContainerListFilter,
  type ContainerLogs,
  type ContainerProcesses,
  type DockerCreateBody,
  type LogQuery,
  type WaitCondition,
  type WaitOutcome,
} from "./container-calls.js";
import type { ContainerPowers, VolumeSettings } from "./container-mapper.js";
import { Engine, type EngineOptions } from "./engine.js";
import { EventCalls, type EventFilter } from "./event-calls.js";
import type { TimedHostEvent } from "./event-mapper.js";
import { ExecCalls } from "./exec-calls.js";
import type { ExecRequest, ExecSession } from "./exec-session.js";
import type { HostHealth } from "./host-health.js";
import { HostInfoCalls } from "./host-info-calls.js";
import type { HostInfo } from "./host-info-mapper.js";
import {
  type BuildSettings,
  ImageCalls,
  type PullProgress,
  type PullSettings,
  type RegistryAuth,
} from "./image-calls.js";
import { NetworkCalls, type NetworkSpec } from "./network-calls.js";
import type { SwarmServiceSpec } from "./service-mapper.js";
import type { ServiceChange } from "./service-spec.js";
import { StatsCalls } from "./stats-calls.js";
import { type ServiceWrite, SwarmCalls, type SwarmRole, type TaskFilter } from "./swarm-calls.js";
import { VolumeCalls, type VolumeSpec } from "./volume-calls.js";

// The types callers know from this module; they live beside the calls that use them.
export type { CallOptions, StreamOptions } from "./call-options.js";
export type {
  ContainerExit,
  ContainerListFilter,
  ContainerLogs,
  ContainerProcesses,
  DockerCreateBody,
  LogQuery,
} from "./container-calls.js";
export type { EventFilter } from "./event-calls.js";
export { type HostHealth, UNKNOWN_HEALTH } from "./host-health.js";
export type { BuildSettings, PullProgress } from "./image-calls.js";
export type { ServiceWrite, SwarmRole } from "./swarm-calls.js";

export type DockerHostOptions = EngineOptions & { connection: Connection };

/**
 * The only way portcall talks to one Docker daemon. Every call has a deadline and comes back either as
 * our own typed value or as an ApiError; nothing dockerode-shaped leaves this class. It is the composition of
 * the call layer (engine.ts) and one module per resource, each of which says what its calls do.
 */
export class DockerHost {
  readonly id: string;
  private readonly engine: Engine;
  private readonly hostInfo: HostInfoCalls;
  private readonly containers: ContainerCalls;
  private readonly images: ImageCalls;
  private readonly volumes: VolumeCalls;
  private readonly networks: NetworkCalls;
  private readonly stats: StatsCalls;
  private readonly hostEvents: EventCalls;
  private readonly execs: ExecCalls;
  private readonly swarm: SwarmCalls;

  private constructor(options: DockerHostOptions, client: DockerClient) {
    this.id = options.id;
    this.engine = new Engine(options, client);
    this.hostInfo = new HostInfoCalls(this.engine);
    this.volumes = new VolumeCalls(this.engine);
    this.containers = new ContainerCalls(this.engine, this.volumes, this.hostInfo);
    this.images = new ImageCalls(this.engine);
    this.networks = new NetworkCalls(this.engine);
    this.stats = new StatsCalls(this.engine);
    this.hostEvents = new EventCalls(this.engine);
    this.execs = new ExecCalls(this.engine);
    this.swarm = new SwarmCalls(this.engine, this.volumes, this.networks);
  }

  static async connect(options: DockerHostOptions): Promise<DockerHost> {
    return new DockerHost(options, await createDockerClient(options.connection, options.callTimeoutMs));
  }

  status(): HostHealth {
    return this.engine.status();
  }

  probe(options: CallOptions = {}): Promise<HostHealth> {
    return this.engine.probe(options);
  }

  info(options: CallOptions = {}): Promise<HostInfo> {
    return this.hostInfo.info(options);
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  listContainers(filter: ContainerListFilter, options: CallOptions = {}): Promise<ContainerSummary[]> {
    return this.containers.list(filter, options);
  }

  inspectContainer(ref: string, options: CallOptions = {}): Promise<ContainerDetail> {
    return this.containers.inspect(ref, options);
  }

  containerPowers(ref: string, options: CallOptions = {}): Promise<ContainerPowers> {
    return this.containers.powers(ref, options);
  }

  createContainer(
    body: DockerCreateBody,
    name: string | undefined,
    options: CallOptions = {},
  ): Promise<{ id: string }> {
    return this.containers.create(body, name, options);
  }

  startContainer(ref: string, options: CallOptions = {}): Promise<boolean> {
    return this.containers.start(ref, options);
  }

  stopContainer(ref: string, timeoutSeconds: number, options: CallOptions = {}): Promise<boolean> {
    return this.containers.stop(ref, timeoutSeconds, options);
  }

  restartContainer(ref: string, timeoutSeconds: number, options: CallOptions = {}): Promise<boolean> {
    return this.containers.restart(ref, timeoutSeconds, options);
  }

  killContainer(ref: string, signal: string, options: CallOptions = {}): Promise<boolean> {
    return this.containers.kill(ref, signal, options);
  }

  pauseContainer(ref: string, options: CallOptions = {}): Promise<boolean> {
    return this.containers.pause(ref, options);
  }

  unpauseContainer(ref: string, options: CallOptions = {}): Promise<boolean> {
    return this.containers.unpause(ref, options);
  }

  discardContainer(ref: string): Promise<void> {
    return this.containers.discard(ref);
  }

  removeContainer(
    ref: string,
    flags: { force: boolean; volumes: boolean },
    options: CallOptions = {},
  ): Promise<boolean> {
    return this.containers.remove(ref, flags, options);
  }

  renameContainer(ref: string, name: string, options: CallOptions = {}): Promise<boolean> {
    return this.containers.rename(ref, name, options);
  }

  topContainer(ref: string, psArgs: string, options: CallOptions = {}): Promise<ContainerProcesses> {
    return this.containers.top(ref, psArgs, options);
  }

  containerLogs(ref: string, query: LogQuery, options: StreamOptions): Promise<ContainerLogs> {
    return this.containers.logs(ref, query, options);
  }

  waitContainer(
    ref: string,
    condition: WaitCondition,
    timeoutMs: number,
    options: CallOptions = {},
  ): Promise<WaitOutcome> {
    return this.containers.wait(ref, condition, timeoutMs, options);
  }

  armExitWait(
    ref: string,
    condition: "next-exit" | "not-running",
    options: StreamOptions,
  ): Promise<{ ended: Promise<ContainerExit> }> {
    return this.containers.armExitWait(ref, condition, options);
  }

  exec(ref: string, request: ExecRequest, options: CallOptions = {}): Promise<ExecSession> {
    return this.execs.exec(ref, request, options);
  }

  containerStats(ref: string, options: CallOptions = {}): Promise<ContainerStats> {
    return this.stats.sample(ref, options);
  }

  streamContainerStats(ref: string, options: StreamOptions): AsyncGenerator<ContainerStats> {
    return this.stats.stream(ref, options);
  }

  listImages(options: CallOptions = {}): Promise<ImageSummary[]> {
    return this.images.list(options);
  }

  inspectImage(ref: string, options: CallOptions = {}): Promise<ImageDetail> {
    return this.images.inspect(ref, options);
  }

  imageHistory(ref: string, options: CallOptions = {}): Promise<ImageHistory> {
    return this.images.history(ref, options);
  }

  removeImage(
    ref: string,
    flags: { force: boolean; noprune: boolean },
    options: CallOptions = {},
  ): Promise<void> {
    return this.images.remove(ref, flags, options);
  }

  pruneImages(
    all: boolean,
    options: CallOptions = {},
  ): Promise<{ removed: string[]; reclaimedBytes: number }> {
    return this.images.prune(all, options);
  }

  tagImage(source: string, target: string, options: CallOptions = {}): Promise<void> {
    return this.images.tag(source, target, options);
  }

  pullImage(
    ref: string,
    settings: PullSettings,
    onProgress: (event: PullProgress) => void | Promise<void> = () => {},
    options: CallOptions = {},
  ): Promise<void> {
    return this.images.pull(ref, settings, onProgress, options);
  }

  pushImage(
    ref: string,
    auth: RegistryAuth | undefined,
    onProgress: (event: PullProgress) => void | Promise<void> = () => {},
    options: CallOptions = {},
  ): Promise<void> {
    return this.images.push(ref, auth, onProgress, options);
  }

  buildImage(
    context: Readable,
    settings: BuildSettings,
    onOutput: (line: string) => void | Promise<void> = () => {},
    options: CallOptions = {},
  ): Promise<{ imageId: string }> {
    return this.images.build(context, settings, onOutput, options);
  }

  listVolumes(options: CallOptions = {}): Promise<Volume[]> {
    return this.volumes.list(options);
  }

  inspectVolume(name: string, options: CallOptions = {}): Promise<Volume> {
    return this.volumes.inspect(name, options);
  }

  volumeSettings(names: string[], options: CallOptions = {}): Promise<VolumeSettings[]> {
    return this.volumes.settings(names, options);
  }

  createVolume(spec: VolumeSpec, options: CallOptions = {}): Promise<Volume> {
    return this.volumes.create(spec, options);
  }

  removeVolume(name: string, options: CallOptions = {}): Promise<void> {
    return this.volumes.remove(name, options);
  }

  pruneVolumes(options: CallOptions = {}): Promise<{ removed: string[]; reclaimedBytes: number }> {
    return this.volumes.prune(options);
  }

  listNetworks(options: CallOptions = {}): Promise<Network[]> {
    return this.networks.list(options);
  }

  inspectNetwork(ref: string, options: CallOptions = {}): Promise<Network> {
    return this.networks.inspect(ref, options);
  }

  createNetwork(spec: NetworkSpec, options: CallOptions = {}): Promise<Network> {
    return this.networks.create(spec, options);
  }

  removeNetwork(ref: string, options: CallOptions = {}): Promise<void> {
    return this.networks.remove(ref, options);
  }

  connectNetwork(
    ref: string,
    container: string,
    aliases: string[] | undefined,
    options: CallOptions = {},
  ): Promise<void> {
    return this.networks.connect(ref, container, aliases, options);
  }

  disconnectNetwork(ref: string, container: string, options: CallOptions = {}): Promise<void> {
    return this.networks.disconnect(ref, container, options);
  }

  /** Whether this daemon manages a swarm: every other Swarm call is for managers only. */
  swarmRole(options: CallOptions = {}): Promise<SwarmRole> {
    return this.swarm.role(options);
  }

  listServices(options: CallOptions = {}): Promise<Service[]> {
    return this.swarm.list(options);
  }

  inspectService(ref: string, options: CallOptions = {}): Promise<Service> {
    return this.swarm.inspect(ref, options);
  }

  createService(spec: SwarmServiceSpec, write: ServiceWrite, options: CallOptions = {}): Promise<Service> {
    return this.swarm.create(spec, write, options);
  }

  changeService(ref: string, change: ServiceChange, write: ServiceWrite, options: CallOptions = {}) {
    return this.swarm.change(ref, change, write, options);
  }

  removeService(ref: string, options: CallOptions = {}): Promise<void> {
    return this.swarm.remove(ref, options);
  }

  serviceLogs(ref: string, query: LogQuery, options: StreamOptions): Promise<ContainerLogs> {
    return this.swarm.logs(ref, query, options);
  }

  listTasks(filter: TaskFilter, options: CallOptions = {}): Promise<Task[]> {
    return this.swarm.tasks(filter, options);
  }

  listNodes(options: CallOptions = {}): Promise<SwarmNode[]> {
    return this.swarm.nodes(options);
  }

  inspectNode(ref: string, options: CallOptions = {}): Promise<SwarmNode> {
    return this.swarm.node(ref, options);
  }

  events(
    filter: EventFilter,
    sinceNano: bigint | undefined,
    options: StreamOptions,
  ): Promise<AsyncGenerator<TimedHostEvent>> {
    return this.hostEvents.events(filter, sinceNano, options);
  }
}
