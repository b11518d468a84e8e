// Container inspect under load, at 1 and at 16 connections: portcall's GET /v1/hosts/{host}/containers/{id}
// against the same inspect straight to the daemon's unix socket. At one connection the difference of the two
// times per request is what portcall adds to every call.
import { alternateLoads, type LoadOptions, loadSide } from "../support/load.js";
import { compare, type Row, single } from "../support/runner.js";
import type { Bench } from "../support/setup.js";

export async function inspect(bench: Bench): Promise<Row[]> {
  const [id] = await bench.sleepers(1);
  const portcall: LoadOptions = {
    url: `${bench.server.url}/v1/hosts/local/containers/${id}`,
    headers: bench.auth,
  };
  const direct: LoadOptions = {
    url: `http://localhost/containers/${id}/json`,
    socketPath: bench.daemon.socket,
  };
  const rows: Row[] = [];
  for (const connections of [1, 16]) {
    const rounds = await alternateLoads(bench.load, bench.budget, connections, portcall, direct);
    const ours = loadSide("portcall", rounds.a);
    const theirs = loadSide("socket", rounds.b);
    rows.push(
      compare(
        `inspect-${connections}`,
        `container inspect, ${connections} connection${connections > 1 ? "s" : ""}`,
        ours,
        theirs,
        { of: "portcall ÷ socket, req/s", target: { at: "least", value: 0.7 } },
      ),
    );
    if (connections === 1) {
      // One request at a time, so the medians' difference is what portcall adds to a call; the mean's (the
      // inverse of the throughputs) is more sensitive to the machine's other work.
      const median = (ours.latency?.median ?? Number.NaN) - (theirs.latency?.median ?? Number.NaN);
      const mean = 1000 / ours.value - 1000 / theirs.value;
      rows.push(
        single(
          "inspect-added-latency",
          "added latency per inspect (1 connection, medians)",
          { value: median, unit: "ms" },
          { at: "most", value: 0.3 },
          `means: ${mean.toFixed(2)} ms added`,
        ),
      );
    }
  }
  return rows;
}
