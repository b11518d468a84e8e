// A container list of one host, one call at a time: portcall's GET /v1/hosts/{host}/containers against
// GET /containers/json straight to the socket, both narrowed to the suite's own containers (the rig is shared).
import { alternateLoads, type LoadOptions, loadSide } from "../support/load.js";
import { compare, type Row } from "../support/runner.js";
import type { Bench } from "../support/setup.js";

export const LISTED = 8;

export async function list(bench: Bench): Promise<Row[]> {
  await bench.sleepers(LISTED);
  const filters = encodeURIComponent(JSON.stringify({ label: [bench.label.filter] }));
  const portcall: LoadOptions = {
    url: `${bench.server.url}/v1/hosts/local/containers?label=${encodeURIComponent(bench.label.filter)}`,
    headers: bench.auth,
  };
  const direct: LoadOptions = {
    url: `http://localhost/containers/json?filters=${filters}`,
    socketPath: bench.daemon.socket,
  };
  const rounds = await alternateLoads(bench.load, bench.budget, 1, portcall, direct);
  return [
    compare(
      "list-one-host",
      `container list of one host (${LISTED} containers), one call at a time`,
      loadSide("portcall", rounds.a),
      loadSide("socket", rounds.b),
      { of: "portcall ÷ socket, req/s", target: { at: "least", value: 0.7 } },
    ),
  ];
}
