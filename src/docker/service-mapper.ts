import type { Service, SwarmNode, Task } from "../schemas/service.js";

/** A mount as Swarm's task template holds it: the same shape as a container's. */
export type SwarmMount = {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
};

export type SwarmPort = {
  Protocol?: string;
  TargetPort?: number;
  PublishedPort?: number;
  PublishMode?: string;
};

/**
 * The parts of Swarm's service spec portcall reads and writes. An update sends the whole spec back, so what a
 * spec holds beyond these passes through untouched (the index signatures), and is weighed by the policy only
 * where it gives power over a host (service-spec.ts).
 */
export type SwarmServiceSpec = {
  Name?: string;
  Labels?: Record<string, string>;
  TaskTemplate?: {
    ContainerSpec?: {
      Image?: string;
      Labels?: Record<string, string>;
      Command?: string[];
      Args?: string[];
      Env?: string[];
      Dir?: string;
      User?: string;
      TTY?: boolean;
      Mounts?: SwarmMount[];
      StopGracePeriod?: number;
      [other: string]: unknown;
    };
    Resources?: {
      Limits?: { MemoryBytes?: number; NanoCPUs?: number; Pids?: number };
      Reservations?: unknown;
    };
    Placement?: { Constraints?: string[]; [other: string]: unknown };
    Networks?: Array<{ Target?: string; Aliases?: string[] }>;
    ForceUpdate?: number;
    [other: string]: unknown;
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: object; [other: string]: unknown };
  UpdateConfig?: Record<string, unknown>;
  RollbackConfig?: Record<string, unknown>;
  EndpointSpec?: { Mode?: string; Ports?: SwarmPort[] };
  /** The networks of API versions before 1.44, which Swarm still honours when the task template has none. */
  Networks?: Array<{ Target?: string; Aliases?: string[] }>;
  [other: string]: unknown;
};

export type EngineService = {
  ID: string;
  Version?: { Index?: number };
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: SwarmServiceSpec;
  PreviousSpec?: SwarmServiceSpec;
  Endpoint?: { Ports?: SwarmPort[] };
  UpdateStatus?: { State?: string; Message?: string };
};

export type EngineTask = {
  ID: string;
  ServiceID?: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  DesiredState?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: { State?: string; Message?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
};

export type EngineNode = {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: {
    Hostname?: string;
    Engine?: { EngineVersion?: string };
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
  };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
};

const envRecord = (env: string[] | undefined): Record<string, string> =>
  Object.fromEntries(
    (env ?? []).map((entry) => {
      const eq = entry.indexOf("=");
      return eq === -1 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)];
    }),
  );

const modeOf = (spec: SwarmServiceSpec): Service["mode"] =>
  spec.Mode?.Replicated ? "replicated" : spec.Mode?.Global ? "global" : "other";

export function toService(service: EngineService): Service {
  const spec = service.Spec ?? {};
  const container = spec.TaskTemplate?.ContainerSpec ?? {};
  const limits = spec.TaskTemplate?.Resources?.Limits ?? {};
  // The endpoint says what Swarm assigned (a free published port); the spec only what was asked.
  const ports = service.Endpoint?.Ports ?? spec.EndpointSpec?.Ports ?? [];
  const status = service.UpdateStatus;
  return {
    id: service.ID,
    name: spec.Name ?? "",
    version: service.Version?.Index ?? 0,
    image: container.Image ?? "",
    mode: modeOf(spec),
    replicas: spec.Mode?.Replicated ? (spec.Mode.Replicated.Replicas ?? 1) : null,
    labels: spec.Labels ?? {},
    env: envRecord(container.Env),
    ports: ports.map((port) => ({
      targetPort: port.TargetPort ?? 0,
      publishedPort: port.PublishedPort ?? null,
      protocol: port.Protocol ?? "tcp",
      publishMode: port.PublishMode ?? "ingress",
    })),
    constraints: spec.TaskTemplate?.Placement?.Constraints ?? [],
    limits: {
      memoryBytes: limits.MemoryBytes ?? null,
      cpus: limits.NanoCPUs ? limits.NanoCPUs / 1e9 : null,
      pids: limits.Pids ?? null,
    },
    previousImage: service.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image ?? null,
    updateStatus: status ? { state: status.State ?? "", message: status.Message ?? "" } : null,
    createdAt: service.CreatedAt ?? null,
    updatedAt: service.UpdatedAt ?? null,
  };
}

export function toTask(task: EngineTask, hostnames: Map<string, string>): Task {
  return {
    id: task.ID,
    serviceId: task.ServiceID ?? "",
    slot: task.Slot ?? null,
    nodeId: task.NodeID ?? null,
    node: (task.NodeID && hostnames.get(task.NodeID)) ?? null,
    state: task.Status?.State ?? "",
    desiredState: task.DesiredState ?? "",
    message: task.Status?.Message ?? "",
    error: task.Status?.Err || null,
    image: task.Spec?.ContainerSpec?.Image ?? "",
    containerId: task.Status?.ContainerStatus?.ContainerID || null,
    createdAt: task.CreatedAt ?? null,
    updatedAt: task.UpdatedAt ?? null,
  };
}

export function toNode(node: EngineNode): SwarmNode {
  const resources = node.Description?.Resources;
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? "",
    role: node.Spec?.Role ?? "",
    availability: node.Spec?.Availability ?? "",
    state: node.Status?.State ?? "",
    address: node.Status?.Addr ?? null,
    leader: node.ManagerStatus?.Leader ?? false,
    reachability: node.ManagerStatus?.Reachability ?? null,
    engineVersion: node.Description?.Engine?.EngineVersion ?? null,
    cpus: resources?.NanoCPUs ? resources.NanoCPUs / 1e9 : null,
    memoryBytes: resources?.MemoryBytes ?? null,
    labels: node.Spec?.Labels ?? {},
  };
}
