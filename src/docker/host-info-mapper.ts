import type Dockerode from "dockerode";
import type { HostInfo } from "../schemas/host-info.js";

export type { HostInfo };

/** The fields of `GET /info` portcall reads; the daemon sends many more. */
export type EngineInfo = {
  Name?: string;
  OperatingSystem?: string;
  OSType?: string;
  Architecture?: string;
  KernelVersion?: string;
  NCPU?: number;
  MemTotal?: number;
  Driver?: string;
  Containers?: number;
  ContainersRunning?: number;
  ContainersPaused?: number;
  ContainersStopped?: number;
  Images?: number;
  Swarm?: { LocalNodeState?: string };
  CgroupVersion?: string;
};

const SWARM_STATES = new Set<HostInfo["swarm"]>(["inactive", "pending", "active", "error", "locked"]);

export function toHostInfo(info: EngineInfo, version: Dockerode.DockerVersion, apiVersion: string): HostInfo {
  const swarm = info.Swarm?.LocalNodeState as HostInfo["swarm"] | undefined;
  return {
    name: info.Name ?? "",
    engineVersion: version.Version,
    apiVersion,
    maxApiVersion: version.ApiVersion,
    os: info.OperatingSystem ?? "",
    osType: info.OSType ?? version.Os,
    architecture: info.Architecture ?? version.Arch,
    kernelVersion: info.KernelVersion ?? version.KernelVersion,
    cpus: info.NCPU ?? 0,
    memoryBytes: info.MemTotal ?? 0,
    storageDriver: info.Driver ?? "",
    containers: {
      total: info.Containers ?? 0,
      running: info.ContainersRunning ?? 0,
      paused: info.ContainersPaused ?? 0,
      stopped: info.ContainersStopped ?? 0,
    },
    images: info.Images ?? 0,
    swarm: swarm && SWARM_STATES.has(swarm) ? swarm : "inactive",
  };
}
