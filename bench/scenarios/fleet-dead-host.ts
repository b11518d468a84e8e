// A fleet list over the live rig host and one dead host, dead in the worst way there is: its socket accepts
// connections and never answers (no refusal, no reset, nothing to fail fast on). With timeoutMs the answer
// should come at the deadline with the live host's containers and an error for the dead one, not later.
import { silentSocket } from "../../test/support/fault-sockets.js";
import { type FleetAnswer, hostQuery, timedFleetList, withHosts } from "../support/hosts.js";
import { median, type Row, single, stats } from "../support/runner.js";
import type { Bench } from "../support/setup.js";
import { LISTED } from "./list.js";

const TIMEOUT_MS = 2_000;
const DEAD = "bench-dead";

/** The answer a dead host must give: every live container, and the dead host as its one error. */
function check(answer: FleetAnswer): string {
  const [error, ...more] = answer.errors;
  if (answer.items.length !== LISTED || error?.host !== DEAD || more.length > 0) {
    throw new Error(
      `fleet with a dead host: ${answer.items.length} containers, errors ${JSON.stringify(answer.errors)}`,
    );
  }
  return error.code;
}

export async function fleetDeadHost(bench: Bench): Promise<Row[]> {
  await bench.sleepers(LISTED);
  const socket = await silentSocket();
  const dead = { id: DEAD, url: socket.url };
  const label = `label=${encodeURIComponent(bench.label.filter)}&timeoutMs=${TIMEOUT_MS}`;
  return withHosts(bench, [dead], async () => {
    try {
      const times: number[] = [];
      const codes = new Set<string>();
      for (let call = 0; call < bench.budget.rounds; call++) {
        const { ms, answer } = await timedFleetList(bench, `${hostQuery([{ id: "local" }, dead])}&${label}`);
        codes.add(check(answer));
        times.push(ms);
      }
      // What the same list costs without the dead host: how much of the time is the deadline's.
      const alone = await timedFleetList(bench, `host=local&${label}`);
      const { p99 } = stats(times, "ms");
      return [
        single(
          "fleet-dead-host",
          `fleet list, the rig host and one that never answers, timeoutMs=${TIMEOUT_MS} (median of ${times.length})`,
          { value: median(times), unit: "ms" },
          { at: "most", value: TIMEOUT_MS + 100 },
          `p99 ${p99.toFixed(0)} ms; the dead host's error: ${[...codes].join(", ")}; ` +
            `the live host alone: ${alone.ms.toFixed(0)} ms; connections portcall opened to the dead socket: ${socket.connections()}`,
        ),
      ];
    } finally {
      // Closed before the host is removed: its connections cut, nothing of portcall's waits on it any more.
      await socket.close();
    }
  });
}
