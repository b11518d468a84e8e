// The fleet list over N hosts against the list of one host, both through portcall, one call at a time. The
// hosts are the same rig daemon registered under several ids, so each answer is the same size and what grows
// with N is portcall's fan-out alone.
import { Agent } from "node:http";
import { alternateLoads, type LoadOptions, loadSide } from "../support/load.js";
import { alternateCalls, compare, median, type Row } from "../support/runner.js";
import { api, type Bench } from "../support/setup.js";
import { socketRead } from "../support/streams.js";
import { LISTED } from "./list.js";

async function registerHosts(bench: Bench, count: number): Promise<void> {
  const res = await api(bench, "/v1/hosts");
  const { items } = (await res.json()) as { items: Array<{ id: string }> };
  for (let n = items.length + 1; n <= count; n++) {
    await api(bench, "/v1/hosts", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: `fleet-${n}`, url: bench.daemon.dockerHost }),
    });
  }
}

/**
 * The floor under the ratio: the fleet's hosts are one daemon, so N lists cost it N times the work of one,
 * on the same CPUs. The same N lists straight to its socket, in parallel, against one, in turns.
 */
async function daemonFloor(bench: Bench, hosts: number): Promise<string> {
  const agent = new Agent({ keepAlive: true });
  const path = `/containers/json?filters=${encodeURIComponent(JSON.stringify({ label: [bench.label.filter] }))}`;
  try {
    const rounds = await alternateCalls(
      Math.max(bench.budget.calls * 3, 3),
      () => Promise.all(Array.from({ length: hosts }, () => socketRead(bench.daemon.socket, path, agent))),
      () => socketRead(bench.daemon.socket, path, agent),
    );
    const floor = median(rounds.a) / median(rounds.b);
    return `the same ${hosts} lists straight to the socket, in parallel: ${floor.toFixed(2)}× one list`;
  } finally {
    agent.destroy();
  }
}

export async function fleet(bench: Bench): Promise<Row[]> {
  await bench.sleepers(LISTED);
  const label = encodeURIComponent(bench.label.filter);
  const oneHost: LoadOptions = {
    url: `${bench.server.url}/v1/hosts/local/containers?label=${label}`,
    headers: bench.auth,
  };
  const rows: Row[] = [];
  for (const hosts of bench.quick ? [8] : [8, 32]) {
    await registerHosts(bench, hosts);
    const fleetList: LoadOptions = {
      url: `${bench.server.url}/v1/containers?label=${label}`,
      headers: bench.auth,
    };
    // A host left out would make the fleet look cheap: every host must answer, with every container.
    const answer = (await (await api(bench, `/v1/containers?label=${label}`)).json()) as {
      items: unknown[];
      errors: unknown[];
    };
    if (answer.items.length !== hosts * LISTED || answer.errors.length > 0) {
      throw new Error(
        `fleet of ${hosts}: ${answer.items.length} containers, errors ${JSON.stringify(answer.errors)}`,
      );
    }
    const rounds = await alternateLoads(bench.load, bench.budget, 1, fleetList, oneHost);
    rows.push(
      compare(
        `fleet-${hosts}`,
        `fleet list over ${hosts} hosts vs one host (${LISTED} containers each)`,
        loadSide(`fleet of ${hosts}`, rounds.a),
        loadSide("one host", rounds.b),
        // Time per call, fleet over one host: the inverse of the throughputs at one connection.
        {
          of: "fleet ÷ one host, time per call",
          invert: true,
          target: { at: "most", value: 1.5 },
          note: await daemonFloor(bench, hosts),
        },
      ),
    );
  }
  return rows;
}
