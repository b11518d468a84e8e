import type { DockerHost } from "../docker/docker-host.js";
import { ApiError } from "../errors/api-error.js";

/** Resolves a host id to its adapter. Every per-host route goes through `get`, so an unknown id is always 404. */
export interface HostRegistry {
  list(): DockerHost[];
  get(id: string): DockerHost;
  close(): void;
}

/** A fixed set of hosts known at start; the durable, API-managed registry replaces it. */
export class StaticHostRegistry implements HostRegistry {
  private readonly hosts: Map<string, DockerHost>;

  constructor(hosts: DockerHost[]) {
    this.hosts = new Map(hosts.map((host) => [host.id, host]));
  }

  list(): DockerHost[] {
    return [...this.hosts.values()];
  }

  get(id: string): DockerHost {
    const host = this.hosts.get(id);
    if (!host) throw new ApiError("host_not_found", `Host "${id}" is not registered.`);
    return host;
  }

  close(): void {
    for (const host of this.hosts.values()) host.close();
  }
}
