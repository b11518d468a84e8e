import type { Readable } from "node:stream";
import { ApiError } from "../errors/api-error.js";
import type { Service, SwarmNode, Task } from "../schemas/service.js";
import type { CallOptions, StreamOptions } from "./call-options.js";
import { type ContainerLogs, type LogQuery, logParams } from "./container-calls.js";
import { checkVolumes } from "./create-policy.js";
import type { Engine } from "./engine.js";
import type { EngineInfo } from "./host-info-mapper.js";
import type { RegistryAuth } from "./image-calls.js";
import { logsOf } from "./log-frames.js";
import type { NetworkCalls } from "./network-calls.js";
import {
  type EngineNode,
  type EngineService,
  type EngineTask,
  type SwarmServiceSpec,
  toNode,
  toService,
  toTask,
} from "./service-mapper.js";
import {
  changedSpec,
  checkSwarmSpec,
  namedVolumes,
  networkTargets,
  type ServiceChange,
} from "./service-spec.js";
import type { VolumeCalls } from "./volume-calls.js";

/** How this daemon takes part in a swarm, as `/info` says. */
export type SwarmRole = { state: string; manager: boolean };

export type TaskFilter = { service?: string; desiredState?: string | undefined };

/** A service call's policy and credentials: every write is checked, and may need the image's registry. */
export type ServiceWrite = { policy: Record<string, unknown>; auth: RegistryAuth | undefined };

// Swarm refuses an update whose version is not the current one; someone changed the service in between.
const OUT_OF_SEQUENCE = /update out of sequence/i;
const UPDATE_ATTEMPTS = 5;

const filters = (filter: Record<string, string[]>) => ({ filters: JSON.stringify(filter) });

/** Swarm mode on a manager: services, their tasks and logs, and the nodes. */
export class SwarmCalls {
  constructor(
    private readonly engine: Engine,
    private readonly volumes: VolumeCalls,
    private readonly networks: NetworkCalls,
  ) {}

  async role(options: CallOptions): Promise<SwarmRole> {
    const info = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.docker.info({ abortSignal }),
    );
    const swarm = (info as EngineInfo & { Swarm?: { ControlAvailable?: boolean } }).Swarm;
    const state = swarm?.LocalNodeState || "inactive";
    return { state, manager: state === "active" && swarm?.ControlAvailable === true };
  }

  async list(options: CallOptions): Promise<Service[]> {
    const services = await this.get<EngineService[]>("/services", undefined, options);
    return services.map(toService).sort((a, b) => a.name.localeCompare(b.name));
  }

  async inspect(ref: string, options: CallOptions): Promise<Service> {
    return toService(await this.inspectRaw(ref, options));
  }

  /** Creates a service from a spec `toSwarmServiceSpec` built; its named volumes are checked as a container's. */
  async create(spec: SwarmServiceSpec, write: ServiceWrite, options: CallOptions): Promise<Service> {
    await this.check(spec, write.policy, options);
    const container = spec.TaskTemplate?.ContainerSpec;
    if (container?.Image) container.Image = await this.pin(container.Image, write.auth, options);
    const created = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.dial<{ ID: string }>({
        path: "/services/create",
        method: "POST",
        options: spec,
        ...(write.auth ? { authconfig: write.auth } : {}),
        abortSignal,
        statusCodes: {
          201: true,
          400: "bad parameter",
          403: "refused",
          409: "name conflicts",
          500: "server error",
          503: "node is not part of a swarm",
        },
      }),
    );
    return this.inspect(created.ID, options);
  }

  /**
   * Reads the service, applies the change, checks the spec it leaves against the policy and sends it with the
   * version it read. Swarm refuses a version someone else has moved on from ("update out of sequence"): then
   * the service is read again and the change applied to what it is now.
   */
  async change(
    ref: string,
    asked: ServiceChange,
    write: ServiceWrite,
    options: CallOptions,
  ): Promise<Service> {
    const image = asked.kind === "update" ? asked.changes.image : undefined;
    const change =
      asked.kind === "update" && image
        ? { ...asked, changes: { ...asked.changes, image: await this.pin(image, write.auth, options) } }
        : asked;
    // Without credentials of its own an update keeps those the service was made with, and every node then
    // sends them to the new image's registry, whichever it is: a new image brings its own, or empty ones.
    const auth = image ? (write.auth ?? {}) : write.auth;
    for (let attempt = 1; ; attempt++) {
      const current = await this.inspectRaw(ref, options);
      const spec = changedSpec(current.Spec ?? {}, current.PreviousSpec, change, ref);
      await this.check(spec, write.policy, options);
      try {
        await this.engine.call(options, { kind: "service", ref }, (abortSignal) =>
          this.engine.dial<unknown>({
            path: `/services/${encodeURIComponent(current.ID)}/update?`,
            method: "POST",
            options: {
              _query: {
                version: current.Version?.Index ?? 0,
                ...(change.kind === "rollback" ? { rollback: "previous" } : {}),
              },
              _body: change.kind === "rollback" ? current.Spec : spec,
            },
            ...(auth ? { authconfig: auth } : {}),
            abortSignal,
          }),
        );
        return this.inspect(current.ID, options);
      } catch (error) {
        if (
          attempt >= UPDATE_ATTEMPTS ||
          !(error instanceof ApiError) ||
          !OUT_OF_SEQUENCE.test(error.message)
        ) {
          throw error;
        }
      }
    }
  }

  async remove(ref: string, options: CallOptions): Promise<void> {
    await this.engine.call(options, { kind: "service", ref }, (abortSignal) =>
      this.engine.dial<unknown>({
        path: `/services/${encodeURIComponent(ref)}`,
        method: "DELETE",
        abortSignal,
      }),
    );
  }

  /** The log of every task of a service, framed as a container's is (by the tasks' TTY setting). */
  async logs(ref: string, query: LogQuery, options: StreamOptions): Promise<ContainerLogs> {
    const service = await this.inspectRaw(ref, options);
    const tty = service.Spec?.TaskTemplate?.ContainerSpec?.TTY ?? false;
    const stream = await this.engine.openStream(options, { kind: "service", ref }, (abortSignal) =>
      this.engine.dial<Readable>({
        path: `/services/${encodeURIComponent(service.ID)}/logs?`,
        options: logParams(query),
        method: "GET",
        isStream: true,
        abortSignal,
      }),
    );
    return logsOf(stream, { tty, timestamps: query.timestamps });
  }

  /** Tasks with the hostname of their node: the node list is asked for alongside. */
  async tasks(filter: TaskFilter, options: CallOptions): Promise<Task[]> {
    const wanted: Record<string, string[]> = {};
    if (filter.service) wanted.service = [(await this.inspectRaw(filter.service, options)).ID];
    if (filter.desiredState) wanted["desired-state"] = [filter.desiredState];
    const [tasks, nodes] = await Promise.all([
      this.get<EngineTask[]>("/tasks?", filters(wanted), options),
      this.get<EngineNode[]>("/nodes", undefined, options),
    ]);
    const hostnames = new Map(nodes.map((node) => [node.ID, node.Description?.Hostname ?? ""]));
    return tasks
      .map((task) => toTask(task, hostnames))
      .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
  }

  async nodes(options: CallOptions): Promise<SwarmNode[]> {
    return (await this.get<EngineNode[]>("/nodes", undefined, options)).map(toNode);
  }

  async node(ref: string, options: CallOptions): Promise<SwarmNode> {
    return toNode(
      await this.get<EngineNode>(`/nodes/${encodeURIComponent(ref)}`, undefined, options, "node"),
    );
  }

  /**
   * The image by its digest, as the registry names it now, so that every task runs the same image however
   * the tag moves; as the docker CLI does. A registry that cannot say leaves the reference as it is (each
   * node then resolves the tag itself, and a pull that fails shows in the task's error).
   */
  private async pin(image: string, auth: RegistryAuth | undefined, options: CallOptions): Promise<string> {
    if (image.includes("@")) return image;
    try {
      const answer = await this.engine.call(options, undefined, (abortSignal) =>
        this.engine.dial<{ Descriptor?: { digest?: string } }>({
          // `image` passed the strict image grammar: it is safe in a path as it is.
          path: `/distribution/${image}/json`,
          method: "GET",
          ...(auth ? { authconfig: auth } : {}),
          abortSignal,
        }),
      );
      const digest = answer.Descriptor?.digest;
      return digest && /^sha256:[a-f0-9]{64}$/.test(digest) ? `${image}@${digest}` : image;
    } catch {
      return image;
    }
  }

  private inspectRaw(ref: string, options: CallOptions): Promise<EngineService> {
    return this.get<EngineService>(`/services/${encodeURIComponent(ref)}`, undefined, options, "service");
  }

  /**
   * The create policy on a spec as the daemon will resolve it: its named volumes as they are now (one that
   * binds a host path is refused) and each network it names looked up, so the host's network is refused by
   * whatever id, prefix or name the spec gives it.
   */
  private async check(spec: SwarmServiceSpec, policy: Record<string, unknown>, options: CallOptions) {
    checkVolumes(await this.volumes.settings(namedVolumes(spec), options), policy);
    const targets = [...new Set(networkTargets(spec))];
    const onHost = await Promise.all(targets.map((target) => this.isHostNetwork(target, options)));
    checkSwarmSpec(spec, policy, new Set(targets.filter((_, index) => onHost[index])));
  }

  private async isHostNetwork(target: string, options: CallOptions): Promise<boolean> {
    if (target === "host") return true;
    try {
      return (await this.networks.inspect(target, options)).driver === "host";
    } catch (error) {
      // A network the daemon does not know is one Swarm refuses to schedule on, not the host's.
      if (error instanceof ApiError && error.code === "network_not_found") return false;
      throw error;
    }
  }

  private get<T>(
    path: string,
    query: Record<string, string> | undefined,
    options: CallOptions,
    kind?: "service" | "node",
  ): Promise<T> {
    const ref = decodeURIComponent(path.split("/")[2] ?? "");
    return this.engine.call(options, kind ? { kind, ref } : undefined, (abortSignal) =>
      this.engine.dial<T>({ path, method: "GET", ...(query ? { options: query } : {}), abortSignal }),
    );
  }
}
