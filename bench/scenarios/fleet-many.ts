// The fleet list over many hosts (200 in the full run), one call at a time, against the same lists straight to
// the daemons' sockets, all at once: what a client would have to do without portcall. The hosts are the rig's
// daemons, each registered under many ids, so both sides ask the same daemons the same number of times.
import { Agent } from "node:http";
import type { RigDaemon } from "../../test/support/rig-state.js";
import { type HostEntry, hostQuery, timedFleetList, withHosts } from "../support/hosts.js";
import { alternateCalls, compare, type Row, timeSide } from "../support/runner.js";
import type { Bench } from "../support/setup.js";
import { socketRead, socketText } from "../support/streams.js";
import { LISTED } from "./list.js";

/** The rig's daemons that answer now: the tests may have stopped one, and the fleet must be all live. */
export async function liveDaemons(bench: Bench): Promise<Array<[string, RigDaemon]>> {
  const answers = await Promise.all(
    Object.entries(bench.rig.daemons).map(async (entry) =>
      (await socketRead(entry[1].socket, "/_ping").then(
        () => true,
        () => false,
      ))
        ? [entry]
        : [],
    ),
  );
  const live = answers.flat();
  if (!live.some(([, daemon]) => daemon === bench.daemon)) throw new Error("the bench's own daemon is down");
  return live;
}

export async function fleetMany(bench: Bench): Promise<Row[]> {
  await bench.sleepers(LISTED);
  const count = bench.quick ? 20 : 200;
  const daemons = await liveDaemons(bench);
  const hosts = Array.from({ length: count }, (_, n) => {
    const [, daemon] = daemons[n % daemons.length] as [string, RigDaemon];
    return { id: `bench-many-${n + 1}`, url: daemon.dockerHost, socket: daemon.socket };
  });
  // Only the bench's daemon holds containers with the bench's label: the others answer empty lists.
  const expected = hosts.filter((host) => host.socket === bench.daemon.socket).length * LISTED;
  const filters = encodeURIComponent(JSON.stringify({ label: [bench.label.filter] }));
  const socketPath = `/containers/json?filters=${filters}`;
  // Generous: a host left out on a slow call would make the fleet look cheap, and fails the scenario instead.
  const query = `${hostQuery(hosts)}&label=${encodeURIComponent(bench.label.filter)}&timeoutMs=10000`;
  const agent = new Agent({ keepAlive: true });
  const entries: HostEntry[] = hosts.map(({ id, url }) => ({ id, url }));
  try {
    return await withHosts(bench, entries, async () => {
      const rounds = await alternateCalls(
        bench.budget.calls,
        async () => {
          const { answer } = await timedFleetList(bench, query);
          if (answer.items.length !== expected || answer.errors.length > 0) {
            throw new Error(
              `fleet of ${count}: ${answer.items.length} of ${expected} containers, errors ${JSON.stringify(answer.errors.slice(0, 3))}`,
            );
          }
        },
        // Each answer parsed, as the client must to use it; portcall's one answer is parsed the same way.
        () =>
          Promise.all(
            hosts.map(async (host) => JSON.parse(await socketText(host.socket, socketPath, agent))),
          ),
      );
      return [
        compare(
          `fleet-many-${count}`,
          `fleet list over ${count} hosts vs the same ${count} lists straight to the sockets, in parallel (median of ${bench.budget.calls})`,
          timeSide("GET /v1/containers", rounds.a),
          timeSide(`${count} socket calls`, rounds.b),
          {
            of: "portcall ÷ sockets, time",
            target: { at: "most", value: 1.2 },
            note: `${count} ids over ${daemons.map(([name]) => name).join(", ")}; ${expected} containers in all`,
          },
        ),
      ];
    });
  } finally {
    agent.destroy();
  }
}
