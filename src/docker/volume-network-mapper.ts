import type { Network, Volume } from "../schemas/volume-network.js";

type EngineVolume = {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  Scope: string;
  Options?: Record<string, string> | null;
};
type EngineNetwork = {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Internal: boolean;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: Array<{ Subnet?: string }> | null };
  Containers?: Record<string, { Name: string; IPv4Address?: string }> | null;
};

export type { EngineNetwork, EngineVolume };

export function toVolume(volume: EngineVolume): Volume {
  const created = volume.CreatedAt ? new Date(volume.CreatedAt) : null;
  return {
    name: volume.Name,
    driver: volume.Driver,
    mountpoint: volume.Mountpoint,
    createdAt: created && !Number.isNaN(created.getTime()) ? created.toISOString() : null,
    labels: volume.Labels ?? {},
    scope: volume.Scope,
  };
}

export function toNetwork(network: EngineNetwork): Network {
  return {
    id: network.Id,
    name: network.Name,
    driver: network.Driver,
    scope: network.Scope,
    internal: network.Internal,
    labels: network.Labels ?? {},
    subnets: (network.IPAM?.Config ?? []).flatMap((config) => (config.Subnet ? [config.Subnet] : [])),
    containers: Object.entries(network.Containers ?? {}).map(([id, member]) => ({
      id,
      name: member.Name,
      ipv4Address: member.IPv4Address || null,
    })),
  };
}
