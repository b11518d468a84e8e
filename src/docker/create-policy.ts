import { posix } from "node:path";
import type Dockerode from "dockerode";
import type { z } from "zod";
import { ApiError } from "../errors/api-error.js";
import { isLoopback } from "../net/loopback.js";
import type { ContainerSpec } from "../schemas/container-create.js";
import { PolicyGrantsSchema } from "../schemas/policy.js";
import type { DockerCreateBody } from "./container-calls.js";
import type { ContainerPowers, VolumeSettings } from "./container-mapper.js";

/** Host paths no grant can open: the Docker socket lives under /run, and the rest is the host's own state. */
const NEVER_BIND = ["/run", "/var/run", "/proc", "/sys", "/dev"];

export type PolicyGrants = z.infer<typeof PolicyGrantsSchema>;

export type PolicyDefaults = { memoryBytes: number; pids: number };

function deny(field: string, why: string, grant: string | null): never {
  const allow = grant ? ` The policy grant ${grant} would allow it.` : " No grant allows it.";
  throw new ApiError("policy_denied", `${field}: ${why}.${allow}`);
}

const under = (path: string, prefix: string) =>
  path === prefix || path.startsWith(prefix === "/" ? "/" : `${prefix}/`);

function checkHostPath(
  fields: { source: string; readOnly: string },
  source: string,
  readOnly: boolean,
  grants: PolicyGrants,
): void {
  const normal = posix.normalize(source);
  if (!source.startsWith("/") || normal !== source || source.split("/").includes("..")) {
    deny(fields.source, `${source} is not an absolute, normalised path`, null);
  }
  const forbidden = NEVER_BIND.find((prefix) => under(normal, prefix) || under(prefix, normal));
  if (forbidden) deny(fields.source, `binding ${normal} would expose ${forbidden} of the host`, null);
  const grant = grants.binds?.find((candidate) => under(normal, posix.normalize(candidate.path)));
  if (!grant)
    deny(
      fields.source,
      `a bind mount of host path ${normal} is not allowed`,
      `binds: [{ path: "${normal}" }]`,
    );
  if (!readOnly && !grant.readWrite) {
    deny(
      fields.readOnly,
      `writing to ${normal} is not allowed`,
      `binds: [{ path: "${grant.path}", readWrite: true }]`,
    );
  }
}

/**
 * A local volume's driver options can mount anything the host can (`type=none,o=bind,device=/etc`, NFS): only a
 * tmpfs, or a bind of a host path a `binds` grant allows writing, passes.
 */
export function checkVolumeOptions(
  driverOpts: Record<string, string> | undefined,
  policy: Record<string, unknown>,
  field = "driverOpts",
): void {
  if (!driverOpts || Object.keys(driverOpts).length === 0) return;
  const grants = PolicyGrantsSchema.safeParse(policy).data ?? {};
  const { type = "", o = "", device } = driverOpts;
  const unknown = Object.keys(driverOpts).filter((key) => !["type", "o", "device"].includes(key));
  if (unknown.length > 0) deny(`${field}.${unknown[0]}`, "only type, o and device are understood", null);
  const flags = o.split(",").map((flag) => flag.trim().split("=")[0] ?? "");
  // mount(2) honours these whatever `type` says: `type=tmpfs,o=bind,device=/` is a bind of the host's root.
  const binds = type === "none" || flags.some((flag) => ["bind", "rbind", "move", "remount"].includes(flag));
  if (!binds) {
    const tmpfsFlags = flags.every(
      (flag) => flag === "" || ["size", "mode", "uid", "gid", "nr_inodes"].includes(flag),
    );
    if (type === "tmpfs" && (device === undefined || device === "tmpfs") && tmpfsFlags) return;
    deny(field, `volume options of type "${type}" with these mount options are not allowed`, null);
  }
  if (!device) deny(`${field}.device`, "a bind volume needs the host path in device", null);
  checkHostPath({ source: `${field}.device`, readOnly: `${field}.o` }, device, false, grants);
}

/**
 * Volumes as their driver will mount them. Only `local` volumes pass, and only with options a token may use
 * (a plain volume, a tmpfs, or a bind its grants allow): a volume someone made with `o=bind,device=/` must
 * not hand the host's root to a container of this token's.
 */
export function checkVolumes(volumes: VolumeSettings[], policy: Record<string, unknown>): void {
  for (const volume of volumes) {
    if (volume.driver !== "local") {
      deny(
        `volume ${volume.name}`,
        `a volume of driver "${volume.driver}" can mount what the host can`,
        null,
      );
    }
    checkVolumeOptions(volume.options, policy, `volume ${volume.name}`);
  }
}

/**
 * The check of a created container as Docker resolved it: its volumes, and the network it is on. After the
 * create, not before: a volume missing at an earlier check could be made (as a bind) by someone else in
 * between, while a volume a container holds cannot change or go; and a network named by its id or a prefix
 * of it is the host's only once the daemon says so. The caller removes a container refused here.
 */
export async function checkCreatedContainer(
  // Only what the check reads of a host: the policy does not depend on the whole Docker adapter.
  host: { containerPowers(ref: string): Promise<ContainerPowers> },
  containerId: string,
  policy: Record<string, unknown>,
): Promise<void> {
  const powers = await host.containerPowers(containerId);
  checkVolumes(powers.volumes, policy);
  checkSpecPowers(
    { published: [], networks: [{ name: powers.namespaces.network, field: "network" }] },
    policy,
  );
}

/** Whether a namespace setting joins the host's, or another container's (which may itself be on the host's). */
const sharesNamespace = (mode: string) => mode === "host" || mode.startsWith("container:");

/**
 * A shell in a container holds whatever power the container has over its host: exec is allowed only into a
 * container this token could have created itself. Checked on the container's own settings, so a container
 * made by someone else (a privileged CI runner, a bind of the Docker socket) is no way around the policy.
 * What Docker lets a container do to its host is refused unless a grant allows it; what it can only do to
 * itself (no memory or pids limit, another runtime or cgroup parent) is not weighed here.
 */
export function checkExecTarget(target: ContainerPowers, policy: Record<string, unknown>): void {
  const grants = PolicyGrantsSchema.safeParse(policy).data ?? {};
  const refuse = (why: string) => deny("container", why, null);
  if (target.privileged) refuse("the container is privileged");
  if (target.capAdd.length > 0) refuse(`the container has added capabilities (${target.capAdd.join(", ")})`);
  if (target.devices.length > 0) refuse(`the container has host devices (${target.devices.join(", ")})`);
  if (target.deviceCgroupRules.length > 0 || target.deviceRequests > 0) {
    refuse("the container may use host devices");
  }
  const { network, ...others } = target.namespaces;
  for (const [kind, mode] of Object.entries(others)) {
    if (sharesNamespace(mode)) refuse(`the container shares the ${kind} namespace of ${mode}`);
  }
  if (network.startsWith("container:")) refuse(`the container shares the network of ${network}`);
  // Kernel settings are the container's own namespaces', but with a host namespace shared (net=host) they are
  // the host's; the create schema sets none, so any is someone else's doing.
  if (target.sysctls.length > 0) refuse(`the container sets kernel settings (${target.sysctls.join(", ")})`);
  if (network === "host" && !grants.hostNetwork) {
    deny("container", "the container is on the host's network", "hostNetwork: true");
  }
  if (target.unguardedPaths.length > 0) {
    refuse(`the container can reach kernel settings Docker guards (${target.unguardedPaths.join(", ")})`);
  }
  // Last: Docker adds `label=disable` by itself to containers that share the host's namespaces.
  const loosened = target.securityOpt.filter((option) => !option.startsWith("no-new-privileges"));
  if (loosened.length > 0) refuse(`the container runs with security options ${loosened.join(", ")}`);
  for (const bind of target.binds) {
    checkHostPath(
      { source: "container.mounts", readOnly: "container.mounts" },
      bind.source,
      bind.readOnly,
      grants,
    );
  }
  checkVolumes(target.volumes, policy);
}

export function toDockerMount(mount: NonNullable<ContainerSpec["mounts"]>[number]): Dockerode.MountSettings {
  if (mount.type === "tmpfs") {
    return {
      Type: "tmpfs",
      Source: "",
      Target: mount.target,
      ...(mount.sizeBytes ? { TmpfsOptions: { SizeBytes: mount.sizeBytes, Mode: 0o1777 } } : {}),
    };
  }
  return { Type: mount.type, Source: mount.source, Target: mount.target, ReadOnly: mount.readOnly };
}

/**
 * What a spec asks of its host, whether it is a container's or the task template of a Swarm service: host
 * paths it binds, the addresses it publishes on and the networks it joins, each with the input field asking.
 */
export type SpecPowers = {
  mounts?: ContainerSpec["mounts"] | undefined;
  published: Array<{ hostIp: string; field: string }>;
  networks: Array<{ name: string; field: string }>;
};

/** The create policy's checks of a spec; the one place containers and services are both refused. */
export function checkSpecPowers(spec: SpecPowers, policy: Record<string, unknown>): void {
  const grants = PolicyGrantsSchema.safeParse(policy).data ?? {};
  spec.mounts?.forEach((mount, index) => {
    if (mount.type === "bind") {
      const fields = { source: `mounts.${index}.source`, readOnly: `mounts.${index}.readOnly` };
      checkHostPath(fields, mount.source, mount.readOnly, grants);
    }
  });
  for (const port of spec.published) {
    if (!isLoopback(port.hostIp) && !grants.publicPorts) {
      deny(port.field, `publishing on ${port.hostIp} reaches beyond this host`, "publicPorts: true");
    }
  }
  for (const network of spec.networks) {
    if (network.name === "host" && !grants.hostNetwork) {
      deny(network.field, "the host's network namespace is not allowed", "hostNetwork: true");
    }
  }
}

/** Memory and pids limits always set (the server's defaults when the spec has none), CPUs when asked. */
export function limitsOf(
  limits: ContainerSpec["limits"],
  defaults: PolicyDefaults,
): { Memory: number; PidsLimit: number; NanoCpus?: number } {
  return {
    Memory: limits?.memoryBytes ?? defaults.memoryBytes,
    PidsLimit: limits?.pids ?? defaults.pids,
    ...(limits?.cpus ? { NanoCpus: Math.round(limits.cpus * 1e9) } : {}),
  };
}

/**
 * Checks a container spec against the create policy and translates it to Docker's body. Everything that gives
 * a container power over its host is refused unless the token's policy grant allows it; some things never
 * pass; `no-new-privileges` and default memory and pids limits are always set.
 */
export function toDockerCreateBody(
  spec: ContainerSpec,
  policy: Record<string, unknown>,
  defaults: PolicyDefaults,
): DockerCreateBody {
  checkSpecPowers(
    {
      mounts: spec.mounts,
      published: (spec.ports ?? []).map((port, index) => ({
        hostIp: port.hostIp,
        field: `ports.${index}.hostIp`,
      })),
      networks: spec.network ? [{ name: spec.network, field: "network" }] : [],
    },
    policy,
  );

  const key = (port: { containerPort: number; protocol: string }) => `${port.containerPort}/${port.protocol}`;
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const port of spec.ports ?? []) {
    portBindings[key(port)] = [
      ...(portBindings[key(port)] ?? []),
      { HostIp: port.hostIp, HostPort: port.hostPort ? String(port.hostPort) : "" },
    ];
  }

  return {
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    Env: Object.entries(spec.env ?? {}).map(([name, value]) => `${name}=${value}`),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    Labels: spec.labels ?? {},
    ...(spec.hostname ? { Hostname: spec.hostname } : {}),
    Tty: spec.tty ?? false,
    ...(spec.stopTimeout !== undefined ? { StopTimeout: spec.stopTimeout } : {}),
    ExposedPorts: Object.fromEntries((spec.ports ?? []).map((port) => [key(port), {}])),
    HostConfig: {
      PortBindings: portBindings,
      RestartPolicy: {
        Name: spec.restartPolicy?.name ?? "no",
        MaximumRetryCount: spec.restartPolicy?.maximumRetryCount ?? 0,
      },
      ...limitsOf(spec.limits, defaults),
      Mounts: (spec.mounts ?? []).map(toDockerMount),
      ...(spec.network ? { NetworkMode: spec.network } : {}),
      AutoRemove: spec.autoRemove ?? false,
      Privileged: false,
      SecurityOpt: ["no-new-privileges:true"],
    },
  };
}
