// The fleet list over distinct daemons: each of the rig's live daemons registered once, so every host of the
// fleet is a daemon of its own, against each host's list alone. A fan-out that pays each host's latency in
// parallel and nothing per host beyond it takes as long as its slowest host; the ratio is the fleet's time
// over that host's. The same lists straight to the sockets, in parallel and alone, give the machine's floor:
// the daemons share two CPUs, so answering together is slower for them than answering alone.
import { Agent } from "node:http";
import { hostQuery, timedFleetList, withHosts } from "../support/hosts.js";
import { compare, median, type Row, timed, timeSide } from "../support/runner.js";
import type { Bench } from "../support/setup.js";
import { socketText } from "../support/streams.js";
import { liveDaemons } from "./fleet-many.js";
import { LISTED } from "./list.js";

type Host = { id: string; url: string; socket: string };

/** `calls` rounds, each the whole call then each part alone: the medians of the whole and of its slowest part. */
async function wholeAndSlowest(
  calls: number,
  hosts: Host[],
  whole: () => Promise<unknown>,
  part: (host: Host) => Promise<unknown>,
): Promise<{ whole: number[]; slowest: number[]; slowestHost: string }> {
  const wholes: number[] = [];
  const parts = new Map(hosts.map((host) => [host.id, [] as number[]]));
  await whole();
  for (const host of hosts) await part(host);
  for (let round = 0; round < calls; round++) {
    wholes.push(await timed(whole));
    for (const host of hosts) parts.get(host.id)?.push(await timed(() => part(host)));
  }
  const [slowestHost, slowest] = [...parts].reduce((a, b) => (median(b[1]) > median(a[1]) ? b : a));
  return { whole: wholes, slowest, slowestHost };
}

export async function fleetDistinct(bench: Bench): Promise<Row[]> {
  await bench.sleepers(LISTED);
  const daemons = await liveDaemons(bench);
  const hosts: Host[] = daemons.map(([name, daemon]) => ({
    id: `bench-distinct-${name}`,
    url: daemon.dockerHost,
    socket: daemon.socket,
  }));
  const label = encodeURIComponent(bench.label.filter);
  const filters = encodeURIComponent(JSON.stringify({ label: [bench.label.filter] }));
  const agent = new Agent({ keepAlive: true });
  const calls = Math.max(bench.budget.calls * 3, 3);
  try {
    return await withHosts(
      bench,
      hosts.map(({ id, url }) => ({ id, url })),
      async () => {
        const ours = await wholeAndSlowest(
          calls,
          hosts,
          async () => {
            const { answer } = await timedFleetList(bench, `${hostQuery(hosts)}&label=${label}`);
            if (answer.errors.length > 0 || answer.items.length !== LISTED)
              throw new Error(`fleet of distinct daemons: ${JSON.stringify(answer.errors)}`);
          },
          (host) => timedFleetList(bench, `${hostQuery([host])}&label=${label}`),
        );
        const read = (host: Host) => socketText(host.socket, `/containers/json?filters=${filters}`, agent);
        const floor = await wholeAndSlowest(calls, hosts, () => Promise.all(hosts.map(read)), read);
        const floorRatio = median(floor.whole) / median(floor.slowest);
        return [
          compare(
            `fleet-distinct-${hosts.length}`,
            `fleet list over ${hosts.length} distinct daemons vs its slowest host alone (median of ${calls})`,
            timeSide(`fleet of ${hosts.length}`, ours.whole),
            timeSide(`${ours.slowestHost.replace("bench-distinct-", "")} alone`, ours.slowest),
            {
              of: "fleet ÷ slowest host, time",
              target: { at: "most", value: 1.5 },
              note: `the same lists straight to the sockets, in parallel: ${floorRatio.toFixed(2)}× the slowest alone`,
            },
          ),
        ];
      },
    );
  } finally {
    agent.destroy();
  }
}
