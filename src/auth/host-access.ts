import type { Context } from "hono";
import type { DockerHost } from "../docker/docker-host.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors/api-error.js";
import type { HostRecord } from "../hosts/host-record.js";
import { principalOf } from "./authenticate.js";
import { canUseHost, hasScope } from "./principal.js";

/** A host the caller's grants cover; any other host does not exist for it (404, as for an unknown id). */
export function grantedHost(c: Context<AppEnv>, id: string): HostRecord {
  const record = c.get("services").hosts.find(id);
  if (!record || !canUseHost(principalOf(c), record)) {
    throw new ApiError("host_not_found", `Host "${id}" is not registered.`);
  }
  return record;
}

/** The Docker client of a host the caller may use. */
export function grantedClient(c: Context<AppEnv>, id: string): Promise<DockerHost> {
  return c.get("services").hosts.get(grantedHost(c, id).id);
}

export function grantedHosts(c: Context<AppEnv>): HostRecord[] {
  const principal = principalOf(c);
  return c
    .get("services")
    .hosts.list()
    .filter((record) => canUseHost(principal, record));
}

/**
 * A unix socket or plain TCP reaches a daemon with no credentials of the caller's: whoever registers one gets
 * that daemon under an id of their choosing. Only an admin may, whatever the host grants say.
 */
export function checkMayConnect(
  c: Context<AppEnv>,
  connection: { url?: string | undefined; insecure?: boolean | undefined },
): void {
  const credentialFree = connection.url?.startsWith("unix:") || connection.insecure === true;
  if (credentialFree && !hasScope(principalOf(c), "admin")) {
    throw new ApiError(
      "forbidden",
      "Registering a unix socket or plain TCP host needs an admin token: it takes no credentials.",
    );
  }
}
