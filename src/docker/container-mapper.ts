import type Dockerode from "dockerode";
import type { ContainerDetail, ContainerState, ContainerSummary, PortBinding } from "../schemas/container.js";
import { envToMap, toArgv } from "./engine-values.js";

// The daemon sends null for empty arrays and maps, and the zero time for "never": normalise once, here.
const ZERO_TIME = "0001-01-01T00:00:00Z";
const STATES = new Set<ContainerState>([
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
]);
const PROTOCOLS = new Set<PortBinding["protocol"]>(["tcp", "udp", "sctp"]);

const orEmpty = <T>(value: T[] | null | undefined): T[] => value ?? [];
const orNull = (value: string | null | undefined): string | null => (value ? value : null);
const positiveOrNull = (value: number | null | undefined): number | null =>
  value && value > 0 ? value : null;

function toState(value: string): ContainerState {
  return STATES.has(value as ContainerState) ? (value as ContainerState) : "dead";
}

function toProtocol(value: string | undefined): PortBinding["protocol"] {
  return PROTOCOLS.has(value as PortBinding["protocol"]) ? (value as PortBinding["protocol"]) : "tcp";
}

function toTime(value: string | null | undefined): string | null {
  if (!value || value === ZERO_TIME) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function stripSlash(name: string): string {
  return name.startsWith("/") ? name.slice(1) : name;
}

/** Swarm labels the container of each task with its service's name. */
export const SWARM_SERVICE_LABEL = "com.docker.swarm.service.name";

export const serviceOf = (labels: Record<string, string> | undefined): { service?: string } =>
  labels?.[SWARM_SERVICE_LABEL] ? { service: labels[SWARM_SERVICE_LABEL] } : {};

export function toContainerSummary(info: Dockerode.ContainerInfo): ContainerSummary {
  const names = orEmpty(info.Names).map(stripSlash);
  return {
    id: info.Id,
    name: names[0] ?? info.Id.slice(0, 12),
    image: info.Image,
    imageId: info.ImageID,
    command: info.Command,
    createdAt: new Date(info.Created * 1000).toISOString(),
    state: toState(info.State),
    status: info.Status,
    labels: info.Labels ?? {},
    ports: orEmpty(info.Ports).map((port) => ({
      containerPort: port.PrivatePort,
      protocol: toProtocol(port.Type),
      hostIp: orNull(port.IP),
      hostPort: port.PublicPort ?? null,
    })),
    networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
    ...serviceOf(info.Labels),
  };
}

type PublishedPorts = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

function portsFromInspect(
  exposed: Record<string, unknown> | null,
  published: PublishedPorts | null,
): PortBinding[] {
  const keys = new Set([...Object.keys(exposed ?? {}), ...Object.keys(published ?? {})]);
  return [...keys].flatMap((key) => {
    const [port, protocol] = key.split("/");
    const base = { containerPort: Number(port), protocol: toProtocol(protocol) };
    const bindings = published?.[key];
    if (!bindings || bindings.length === 0) return [{ ...base, hostIp: null, hostPort: null }];
    return bindings.map((binding) => ({
      ...base,
      hostIp: orNull(binding.HostIp),
      hostPort: binding.HostPort ? Number(binding.HostPort) : null,
    }));
  });
}

function toHealth(status: string | undefined): ContainerDetail["state"]["health"] {
  if (status === "starting" || status === "healthy" || status === "unhealthy") return status;
  return status === undefined ? null : "none";
}

/** A volume as its driver will mount it: a `local` volume's options can bind any host path. */
export type VolumeSettings = { name: string; driver: string; options: Record<string, string> };

/** What a container may do to its host: what the create policy weighs before anyone gets a shell in it. */
export type ContainerPowers = {
  id: string;
  privileged: boolean;
  capAdd: string[];
  devices: string[];
  deviceCgroupRules: string[];
  deviceRequests: number;
  securityOpt: string[];
  /** Docker's masked and read-only kernel paths a container lacks (`systempaths=unconfined` empties them). */
  unguardedPaths: string[];
  namespaces: { network: string; pid: string; ipc: string; uts: string; userns: string; cgroup: string };
  /** Kernel settings set for the container (`--sysctl`); create never sets any. */
  sysctls: string[];
  binds: Array<{ source: string; readOnly: boolean }>;
  volumes: VolumeSettings[];
};

/** Which of `guarded` a list lacks; no list at all is Docker's own default, which has them all. */
const missingFrom = (list: string[] | null | undefined, guarded: string[]) =>
  list ? guarded.filter((path) => !list.includes(path)) : [];

/** The names of the volumes a container mounts, named or anonymous. */
export function mountedVolumes(info: Dockerode.ContainerInspectInfo): string[] {
  return orEmpty(info.Mounts).flatMap((mount) => (mount.Type === "volume" && mount.Name ? [mount.Name] : []));
}

/**
 * Whether the container is on the host's network as the daemon resolved it: `NetworkMode` keeps whatever the
 * create named (the host network's id, or a prefix of it, as much as "host"), the attached networks its name.
 */
const onHostNetwork = (info: Dockerode.ContainerInspectInfo) =>
  info.HostConfig.NetworkMode === "host" || Object.hasOwn(info.NetworkSettings?.Networks ?? {}, "host");

/** "host" puts the container in the host's cgroup tree; not in dockerode's types. */
function cgroupMode(host: Dockerode.HostConfig, hostIsDefault: boolean): string {
  const mode = String((host as { CgroupnsMode?: unknown }).CgroupnsMode ?? "");
  return mode === "host" && hostIsDefault ? "" : mode;
}

export function toContainerPowers(
  info: Dockerode.ContainerInspectInfo,
  volumes: VolumeSettings[],
  daemon: { hostCgroupIsDefault: boolean } = { hostCgroupIsDefault: false },
): ContainerPowers {
  const host = info.HostConfig;
  return {
    id: info.Id,
    privileged: host.Privileged === true,
    capAdd: orEmpty<string>(host.CapAdd),
    devices: orEmpty<{ PathOnHost: string }>(host.Devices).map((device) => device.PathOnHost),
    deviceCgroupRules: orEmpty<string>(host.DeviceCgroupRules),
    deviceRequests: orEmpty<unknown>(host.DeviceRequests).length,
    securityOpt: orEmpty<string>(host.SecurityOpt),
    unguardedPaths: [
      ...missingFrom(host.MaskedPaths, ["/proc/kcore", "/proc/keys", "/sys/firmware"]),
      ...missingFrom(host.ReadonlyPaths, ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"]),
    ],
    namespaces: {
      network: onHostNetwork(info) ? "host" : (host.NetworkMode ?? ""),
      pid: host.PidMode ?? "",
      ipc: host.IpcMode ?? "",
      uts: host.UTSMode ?? "",
      userns: host.UsernsMode ?? "",
      cgroup: cgroupMode(host, daemon.hostCgroupIsDefault),
    },
    sysctls: Object.entries((host as { Sysctls?: Record<string, string> | null }).Sysctls ?? {}).map(
      ([name, value]) => `${name}=${value}`,
    ),
    // Inspect lists `-v` binds, `--mount` binds and those of `--volumes-from` alike here, with their host paths.
    binds: orEmpty(info.Mounts)
      .filter((mount) => mount.Type === "bind")
      .map((mount) => ({ source: mount.Source, readOnly: !mount.RW })),
    volumes,
  };
}

export function toContainerDetail(info: Dockerode.ContainerInspectInfo): ContainerDetail {
  const { State: state, Config: config, HostConfig: host } = info;
  const everStarted = toTime(state.StartedAt) !== null;
  return {
    id: info.Id,
    name: stripSlash(info.Name),
    image: config.Image,
    imageId: info.Image,
    createdAt: toTime(info.Created) ?? new Date(0).toISOString(),
    state: {
      status: toState(state.Status),
      running: state.Running,
      paused: state.Paused,
      restarting: state.Restarting,
      oomKilled: state.OOMKilled,
      dead: state.Dead,
      pid: positiveOrNull(state.Pid),
      exitCode: everStarted && !state.Running ? state.ExitCode : null,
      error: orNull(state.Error),
      startedAt: toTime(state.StartedAt),
      finishedAt: toTime(state.FinishedAt),
      health: toHealth(state.Health?.Status),
    },
    config: {
      cmd: toArgv(config.Cmd),
      entrypoint: toArgv(config.Entrypoint),
      env: envToMap(config.Env),
      workingDir: orNull(config.WorkingDir),
      user: orNull(config.User),
      hostname: config.Hostname,
      tty: config.Tty,
      labels: config.Labels ?? {},
    },
    restartCount: info.RestartCount,
    restartPolicy: host.RestartPolicy?.Name || "no",
    limits: {
      memoryBytes: positiveOrNull(host.Memory),
      nanoCpus: positiveOrNull(host.NanoCpus),
      pids: positiveOrNull(host.PidsLimit),
    },
    mounts: orEmpty(info.Mounts).map((mount) => ({
      type: mount.Type,
      name: mount.Name ?? null,
      source: mount.Source,
      destination: mount.Destination,
      readOnly: !mount.RW,
    })),
    ports: portsFromInspect(config.ExposedPorts, info.NetworkSettings?.Ports ?? null),
    networks: Object.entries(info.NetworkSettings?.Networks ?? {}).map(([name, network]) => ({
      name,
      ipAddress: orNull(network.IPAddress),
      gateway: orNull(network.Gateway),
      macAddress: orNull(network.MacAddress),
    })),
  };
}
