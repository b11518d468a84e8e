// Hosts a scenario registers for itself: there for the scenario only, so that the others' fleets stay as they were.
import { api, type Bench } from "./setup.js";

export type HostEntry = { id: string; url: string };

/** Registers `hosts` with portcall, runs `work`, and removes them again however `work` ended. */
export async function withHosts<T>(bench: Bench, hosts: HostEntry[], work: () => Promise<T>): Promise<T> {
  const added: string[] = [];
  try {
    for (const host of hosts) {
      await api(bench, "/v1/hosts", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(host),
      });
      added.push(host.id);
    }
    return await work();
  } finally {
    for (const id of added) await api(bench, `/v1/hosts/${id}`, { method: "DELETE" });
  }
}

/** The query naming these hosts, so that a fleet call covers them and no other. */
export const hostQuery = (hosts: Array<{ id: string }>) =>
  hosts.map((host) => `host=${encodeURIComponent(host.id)}`).join("&");

export type FleetAnswer = { items: Array<{ host: string }>; errors: Array<{ host: string; code: string }> };

/** One fleet container list, timed from the request to the end of its answer. */
export async function timedFleetList(
  bench: Bench,
  query: string,
): Promise<{ ms: number; answer: FleetAnswer }> {
  const started = performance.now();
  const answer = (await (await api(bench, `/v1/containers?${query}`)).json()) as FleetAnswer;
  return { ms: performance.now() - started, answer };
}
