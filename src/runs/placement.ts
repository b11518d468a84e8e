import type { Principal } from "../auth/principal.js";
import { canUseHost, identityOf } from "../auth/principal.js";
import { ApiError, type HostReason } from "../errors/api-error.js";
import type { HostRecord } from "../hosts/host-record.js";
import type { HostRegistry } from "../hosts/host-registry.js";

/** How long placement asks each candidate for its running containers; a slow host just loses the race. */
const COUNT_DEADLINE_MS = 2_000;

type Candidate = { host: HostRecord; running: number } | { host: HostRecord; reason: string };

const matches = (host: HostRecord, labels: Record<string, string>) =>
  Object.entries(labels).every(
    ([key, value]) => Object.hasOwn(host.labels, key) && host.labels[key] === value,
  );

async function assess(hosts: HostRegistry, host: HostRecord, signal: AbortSignal): Promise<Candidate> {
  const health = await hosts.health(host.id);
  if (health.down) return { host, reason: `down: ${health.error ?? "it stopped answering"}` };
  try {
    const client = await hosts.get(host.id);
    const running = await client.listContainers(
      { all: false, labels: [] },
      { timeoutMs: COUNT_DEADLINE_MS, signal },
    );
    return { host, running: running.length };
  } catch (error) {
    return { host, reason: error instanceof ApiError ? `${error.code}: ${error.message}` : "unreachable" };
  }
}

/**
 * Picks where a run goes: among the hosts the principal may use whose labels match, a reachable one with the
 * fewest running containers (ties go to the first id, so placement is predictable). Hosts the principal may not
 * use, and hosts another subject registered, are not mentioned in the refusal: to this caller they do not exist.
 */
export async function placeRun(
  hosts: HostRegistry,
  principal: Principal,
  labels: Record<string, string>,
  signal: AbortSignal,
): Promise<HostRecord> {
  // A host another subject's token pointed portcall at could be that token's own listener: a run placed there
  // would hand it this caller's image, command and environment. Only a caller who names it directly goes there.
  const permitted = hosts
    .list()
    .filter(
      (host) => canUseHost(principal, host) && (host.owner === null || host.owner === identityOf(principal)),
    );
  const reasons: HostReason[] = permitted
    .filter((host) => !matches(host, labels))
    .map((host) => ({ host: host.id, reason: "labels do not match" }));
  const candidates = await Promise.all(
    permitted.filter((host) => matches(host, labels)).map((host) => assess(hosts, host, signal)),
  );
  let best: { host: HostRecord; running: number } | undefined;
  for (const candidate of candidates.sort((a, b) => a.host.id.localeCompare(b.host.id))) {
    if ("reason" in candidate) reasons.push({ host: candidate.host.id, reason: candidate.reason });
    else if (!best || candidate.running < best.running) best = candidate;
  }
  if (best) return best.host;
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
  throw new ApiError(
    "no_host_available",
    `No host this token may use is reachable with the labels ${wanted || "(none)"}. ` +
      (reasons.length
        ? reasons.map(({ host, reason }) => `${host}: ${reason}`).join("; ")
        : "The token may use no host."),
    { hosts: reasons },
  );
}
