import type { DockerHost } from "../../docker/docker-host.js";
import type { RegistryAuth } from "../../docker/image-calls.js";
import type { ServiceChange } from "../../docker/service-spec.js";
import { ApiError, HOST_CALL_ERRORS } from "../../errors/api-error.js";
import type { Service } from "../../schemas/service.js";
import { grantedClient } from "../access.js";
import type { CallContext } from "../context.js";

/** How every Swarm operation can fail before it does anything: the host's, and a host that manages no swarm. */
export const SWARM_ERRORS = [...HOST_CALL_ERRORS, "not_a_swarm_manager"] as const;

/**
 * The client of a granted host that manages a swarm, told from its `/info`. A worker knows its swarm but
 * cannot answer for it, and a daemon outside a swarm has none: both are 409 `not_a_swarm_manager`.
 */
export async function swarmManager(ctx: CallContext, id: string): Promise<DockerHost> {
  const host = await grantedClient(ctx, id);
  const role = await host.swarmRole({ signal: ctx.signal });
  if (!role.manager) {
    const why =
      role.state === "active" ? "is a worker of its swarm" : `is not in a swarm (state "${role.state}")`;
    throw new ApiError(
      "not_a_swarm_manager",
      `Host "${id}" ${why}: services and nodes are managed on a Swarm manager.`,
    );
  }
  return host;
}

/** A change to a service (an update, a scale, a rollback) under the caller's policy, on a manager. */
export async function changeService(
  ctx: CallContext,
  hostId: string,
  service: string,
  change: ServiceChange,
  auth?: RegistryAuth,
): Promise<Service> {
  const host = await swarmManager(ctx, hostId);
  return host.changeService(service, change, { policy: ctx.principal.policy, auth }, { signal: ctx.signal });
}
