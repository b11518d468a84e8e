import type { CallOptions, DockerHost } from "../docker/docker-host.js";
import { ApiError } from "../errors/api-error.js";
import { type HostFailure, toHostFailure } from "../fleet/host-failure.js";
import type { HostRecord } from "../hosts/host-record.js";
import { grantedHost, grantedHosts } from "./access.js";
import type { CallContext, Caller } from "./context.js";

export type FleetList<T> = { items: Array<T & { host: string }>; errors: HostFailure[] };

/**
 * The hosts a fleet-wide request covers: every host the token may use, or those of them it names. Naming one
 * it may not use is 404, as on the per-host routes.
 */
export function fleetHosts(caller: Caller, named: string[]): HostRecord[] {
  if (named.length === 0) return grantedHosts(caller);
  return [...new Set(named)].map((id) => grantedHost(caller, id));
}

// The host's own deadline (the same `timeoutMs`) normally ends a hung call first, and marks the host's health;
// this one is the backstop for waits it does not cover.
const BACKSTOP_GRACE_MS = 50;

/**
 * Rejects with host_timeout just after `timeoutMs`, whatever `work` is still waiting on (building a client,
 * negotiating the API version, then the call). `work` goes on alone until its own deadline ends it.
 */
function withinDeadline<T>(work: Promise<T>, hostId: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ApiError("host_timeout", `Host "${hostId}" did not answer within ${timeoutMs} ms.`)),
      timeoutMs + BACKSTOP_GRACE_MS,
    );
  });
  work.catch(() => {}); // a failure after the deadline has nobody left to tell
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * Asks every host at once and answers when each has answered, failed, or reached `timeoutMs`: one dead host
 * costs at most the deadline and hides nothing of the others. Items keep host order, each tagged with its host.
 */
export async function fanOut<T extends object>(
  { services, signal }: Pick<CallContext, "services" | "signal">,
  hosts: HostRecord[],
  timeoutMs: number,
  fetch: (host: DockerHost, options: CallOptions) => Promise<T[]>,
): Promise<FleetList<T>> {
  const options: CallOptions = { signal, timeoutMs };
  const registry = services.hosts;
  const answers = await Promise.all(
    hosts.map(async ({ id: host }): Promise<FleetList<T>> => {
      try {
        const items = await withinDeadline(
          registry.get(host).then((client) => fetch(client, options)),
          host,
          timeoutMs,
        );
        return { items: items.map((item) => ({ ...item, host })), errors: [] };
      } catch (error) {
        if (!(error instanceof ApiError))
          services.logger.error("fleet call failed", { host, error: String(error) });
        return { items: [], errors: [toHostFailure(host, error)] };
      }
    }),
  );
  return {
    items: answers.flatMap((answer) => answer.items),
    errors: answers.flatMap((answer) => answer.errors),
  };
}
