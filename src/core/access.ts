import { canUseHost, hasScope, identityOf, type Principal } from "../auth/principal.js";
import type { DockerHost } from "../docker/docker-host.js";
import { ApiError } from "../errors/api-error.js";
import { type HostActor, OPERATOR } from "../hosts/connection-policy.js";
import type { HostRecord } from "../hosts/host-record.js";
import type { Caller } from "./context.js";

/** A host the caller's grants cover; any other host does not exist for it (404, as for an unknown id). */
export function grantedHost({ principal, services }: Caller, id: string): HostRecord {
  const record = services.hosts.find(id);
  if (!record || !canUseHost(principal, record)) {
    throw new ApiError("host_not_found", `Host "${id}" is not registered.`);
  }
  return record;
}

/** The Docker client of a host the caller may use. */
export function grantedClient(caller: Caller, id: string): Promise<DockerHost> {
  return caller.services.hosts.get(grantedHost(caller, id).id);
}

export function grantedHosts({ principal, services }: Caller): HostRecord[] {
  return services.hosts.list().filter((record) => canUseHost(principal, record));
}

/** Who sets a host's connection: an admin acts as the operator; any other token as its subject. */
export function hostActor(principal: Principal): HostActor {
  return hasScope(principal, "admin") ? OPERATOR : { kind: "token", subject: identityOf(principal) };
}

/**
 * Labels are read by host grants (`label:env=prod`) and by placement: whoever sets them decides whose work a
 * host receives, so setting them is a scope of its own (`hosts:label`, which admin includes).
 */
export function checkMayLabel(
  principal: Principal,
  id: string,
  labels: Record<string, string> | undefined,
  current: Record<string, string> = {},
): void {
  if (labels === undefined) return;
  const changed =
    JSON.stringify(Object.entries(labels).sort()) !== JSON.stringify(Object.entries(current).sort());
  if (changed && !hasScope(principal, "hosts:label")) {
    throw new ApiError(
      "forbidden",
      "Setting host labels needs the hosts:label scope: grants and placement read them.",
    );
  }
  if (!canUseHost(principal, { id, labels })) {
    throw new ApiError(
      "forbidden",
      `The token's host grants would not cover host "${id}" with these labels.`,
    );
  }
}
