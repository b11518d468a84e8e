import type { Context } from "hono";
import {
  grantedClient as clientFor,
  grantedHost as hostFor,
  grantedHosts as hostsFor,
} from "../core/access.js";
import type { Caller } from "../core/context.js";
import type { DockerHost } from "../docker/docker-host.js";
import type { AppEnv } from "../env.js";
import type { HostRecord } from "../hosts/host-record.js";
import { principalOf } from "./authenticate.js";

// Transitional: routes not yet moved to the catalog (src/core) still hold a Hono context. Once the last one has
// moved, this file goes and the core's access.ts is the only one.
export { checkMayLabel, hostActor } from "../core/access.js";

function callerOf(c: Context<AppEnv>): Caller {
  return { principal: principalOf(c), services: c.get("services") };
}

export function grantedHost(c: Context<AppEnv>, id: string): HostRecord {
  return hostFor(callerOf(c), id);
}

export function grantedClient(c: Context<AppEnv>, id: string): Promise<DockerHost> {
  return clientFor(callerOf(c), id);
}

export function grantedHosts(c: Context<AppEnv>): HostRecord[] {
  return hostsFor(callerOf(c));
}
