import { ApiError } from "../errors/api-error.js";
import type { ContainerSpec } from "../schemas/container-create.js";
import type { ServiceCreate, ServiceUpdate } from "../schemas/service.js";
import { checkSpecPowers, limitsOf, type PolicyDefaults, toDockerMount } from "./create-policy.js";
import type { SwarmPort, SwarmServiceSpec } from "./service-mapper.js";

/** A service's settings as a token gives them: without the call's own registry credentials. */
export type ServiceSettings = Omit<ServiceCreate, "registryAuth">;
export type ServiceChanges = Omit<ServiceUpdate, "registryAuth">;

/** What a change to a service does to its spec; every change is checked against the create policy. */
export type ServiceChange =
  | { kind: "update"; changes: ServiceChanges; defaults: PolicyDefaults }
  | { kind: "scale"; replicas: number }
  | { kind: "rollback" };

// Swarm has no host address for a published port: host mode binds every address of the node.
const EVERY_ADDRESS = "0.0.0.0";
const SECONDS = 1e9;

const toSwarmPorts = (ports: ServiceSettings["ports"]): SwarmPort[] =>
  (ports ?? []).map((port) => ({
    Protocol: port.protocol,
    TargetPort: port.targetPort,
    ...(port.publishedPort ? { PublishedPort: port.publishedPort } : {}),
    PublishMode: "host",
  }));

const publishedOf = (ports: ServiceSettings["ports"]) =>
  (ports ?? []).map((_, index) => ({ hostIp: EVERY_ADDRESS, field: `ports.${index}.publishedPort` }));

function swarmLimits(limits: ContainerSpec["limits"], defaults: PolicyDefaults) {
  const { Memory, PidsLimit, NanoCpus } = limitsOf(limits, defaults);
  return { MemoryBytes: Memory, Pids: PidsLimit, ...(NanoCpus ? { NanoCPUs: NanoCpus } : {}) };
}

const envList = (env: Record<string, string> | undefined) =>
  Object.entries(env ?? {}).map(([name, value]) => `${name}=${value}`);

/**
 * Checks a service's settings against the container create policy (the same checks, by the same code) and
 * translates them to Swarm's spec. Default memory and pids limits are always set on the tasks.
 */
export function toSwarmServiceSpec(
  settings: ServiceSettings,
  policy: Record<string, unknown>,
  defaults: PolicyDefaults,
): SwarmServiceSpec {
  checkSpecPowers(
    {
      mounts: settings.mounts,
      published: publishedOf(settings.ports),
      networks: (settings.networks ?? []).map((name, index) => ({ name, field: `networks.${index}` })),
    },
    policy,
  );
  const update = settings.updateConfig;
  const updateConfig = update
    ? {
        Parallelism: update.parallelism,
        Delay: Math.round(update.delaySeconds * SECONDS),
        Order: update.order,
        FailureAction: update.failureAction,
      }
    : undefined;
  return {
    Name: settings.name,
    Labels: settings.labels ?? {},
    TaskTemplate: {
      ContainerSpec: {
        Image: settings.image,
        Labels: settings.containerLabels ?? {},
        ...(settings.entrypoint ? { Command: settings.entrypoint } : {}),
        ...(settings.cmd ? { Args: settings.cmd } : {}),
        Env: envList(settings.env),
        ...(settings.workingDir ? { Dir: settings.workingDir } : {}),
        ...(settings.user ? { User: settings.user } : {}),
        TTY: settings.tty ?? false,
        Mounts: (settings.mounts ?? []).map(toDockerMount),
        ...(settings.stopGracePeriodSeconds !== undefined
          ? { StopGracePeriod: settings.stopGracePeriodSeconds * SECONDS }
          : {}),
      },
      Resources: { Limits: swarmLimits(settings.limits, defaults) },
      Placement: { Constraints: settings.constraints ?? [] },
      Networks: (settings.networks ?? []).map((Target) => ({ Target })),
    },
    Mode: { Replicated: { Replicas: settings.replicas } },
    ...(updateConfig ? { UpdateConfig: updateConfig, RollbackConfig: updateConfig } : {}),
    EndpointSpec: { Mode: "vip", Ports: toSwarmPorts(settings.ports) },
  };
}

/** The spec after `changes`: each field given replaces the service's, every other one stays. */
export function applyServiceChanges(
  spec: SwarmServiceSpec,
  changes: ServiceChanges,
  defaults: PolicyDefaults,
): SwarmServiceSpec {
  const template = spec.TaskTemplate ?? {};
  const container = template.ContainerSpec ?? {};
  return {
    ...spec,
    ...(changes.labels ? { Labels: changes.labels } : {}),
    ...(changes.replicas !== undefined ? { Mode: { Replicated: { Replicas: changes.replicas } } } : {}),
    ...(changes.ports ? { EndpointSpec: { Mode: "vip", Ports: toSwarmPorts(changes.ports) } } : {}),
    TaskTemplate: {
      ...template,
      ContainerSpec: {
        ...container,
        ...(changes.image ? { Image: changes.image } : {}),
        ...(changes.env ? { Env: envList(changes.env) } : {}),
      },
      ...(changes.limits
        ? { Resources: { ...template.Resources, Limits: swarmLimits(changes.limits, defaults) } }
        : {}),
      ...(changes.constraints
        ? { Placement: { ...template.Placement, Constraints: changes.constraints } }
        : {}),
    },
  };
}

// Task template settings that give a task power over its node; portcall never sets them. Ulimits: an
// `rtprio` limit lets a task take real-time priority without any capability, and starve the node's CPUs.
const POWERS = ["CapabilityAdd", "Sysctls", "Privileges", "Devices", "Isolation", "Ulimits"] as const;

// Swarm fills in `Isolation: "default"` by itself; an empty list or object asks for nothing either.
const isSet = (value: unknown) =>
  value !== undefined &&
  value !== null &&
  value !== "" &&
  value !== "default" &&
  !(Array.isArray(value) && value.length === 0) &&
  !(typeof value === "object" && Object.values(value).every((inner) => inner === null || inner === ""));

/** Every network a spec's tasks join, by the name or id (whole or a prefix) the spec gives it. */
export const networkTargets = (spec: SwarmServiceSpec): string[] =>
  [...(spec.TaskTemplate?.Networks ?? []), ...(spec.Networks ?? [])].map((network) => network.Target ?? "");

/** The named volumes a spec's tasks mount, to be checked as a container's are. */
export const namedVolumes = (spec: SwarmServiceSpec): string[] =>
  (spec.TaskTemplate?.ContainerSpec?.Mounts ?? []).flatMap((mount) =>
    mount.Type === "volume" && mount.Source ? [mount.Source] : [],
  );

/**
 * The create policy on a whole Swarm spec, as it will run: what an update, a scale or a rollback leaves is
 * checked like a new service, so a service someone else made with more power (a bind of the Docker socket, a
 * capability) is no way around it. `hostTargets` are those of `networkTargets` that the daemon resolves to a
 * network of the `host` driver: a spec can name it by its id or any prefix of it, not only as "host".
 */
export function checkSwarmSpec(
  spec: SwarmServiceSpec,
  policy: Record<string, unknown>,
  hostTargets: ReadonlySet<string>,
): void {
  const container = spec.TaskTemplate?.ContainerSpec ?? {};
  const refuse = (why: string) => {
    throw new ApiError("policy_denied", `service: ${why}. No grant allows it.`);
  };
  for (const key of POWERS) if (isSet(container[key])) refuse(`its tasks set ${key}`);
  // A plugin "service" installs a plugin with the privileges it asks for on every node.
  const runtime = spec.TaskTemplate?.Runtime;
  if ((runtime !== undefined && runtime !== "container") || isSet(spec.TaskTemplate?.PluginSpec)) {
    refuse(`its tasks are of runtime ${String(runtime)}`);
  }
  const mounts: NonNullable<ContainerSpec["mounts"]> = [];
  for (const mount of container.Mounts ?? []) {
    const { Type: type, Source: source = "", Target: target = "/", ReadOnly: readOnly = false } = mount;
    // Each node expands Swarm's templates in a mount's paths: `/srv/{{print "." "." "/run"}}` is /run.
    if (source.includes("{{") || target.includes("{{")) refuse(`its mount of ${target} has a template`);
    if (type === "bind") mounts.push({ type, source, target, readOnly });
    else if (type === "volume") {
      if (isSet((mount as { VolumeOptions?: { DriverConfig?: unknown } }).VolumeOptions?.DriverConfig)) {
        refuse(`its volume mount of ${target} sets driver options`);
      }
    } else if (type !== "tmpfs") refuse(`its tasks mount ${target} as ${type ?? "an unknown type"}`);
  }
  checkSpecPowers(
    {
      mounts,
      published: (spec.EndpointSpec?.Ports ?? []).map((_, index) => ({
        hostIp: EVERY_ADDRESS,
        field: `service.ports.${index}`,
      })),
      networks: networkTargets(spec).map((target, index) => ({
        name: hostTargets.has(target) ? "host" : target,
        field: `service.networks.${index}`,
      })),
    },
    policy,
  );
}

/** The spec a change leaves, before it is checked and sent. */
export function changedSpec(
  current: SwarmServiceSpec,
  previous: SwarmServiceSpec | undefined,
  change: ServiceChange,
  service: string,
): SwarmServiceSpec {
  if (change.kind === "update") return applyServiceChanges(current, change.changes, change.defaults);
  if (change.kind === "scale") {
    if (!current.Mode?.Replicated) {
      throw new ApiError("conflict", `Service "${service}" is not replicated: it cannot be scaled.`);
    }
    return { ...current, Mode: { ...current.Mode, Replicated: { Replicas: change.replicas } } };
  }
  if (!previous) throw new ApiError("conflict", `Service "${service}" has no previous spec to roll back to.`);
  return previous;
}
