// `true` run in a fresh container whose image the host has, one run at a time: portcall's POST /v1/runs
// (create, start, wait, output, removal, in one call) against `docker run --rm`, which does the same.
import { alternateCalls, compare, type Row, timeSide } from "../support/runner.js";
import { api, type Bench } from "../support/setup.js";

export async function runTrue(bench: Bench): Promise<Row[]> {
  const body = JSON.stringify({
    host: "local",
    image: bench.image,
    cmd: ["true"],
    labels: { [bench.label.key]: bench.label.value },
  });
  const viaPortcall = async () => {
    const res = await api(bench, "/v1/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    const run = (await res.json()) as { status: string; exitCode: number | null };
    if (res.status !== 201 || run.exitCode !== 0)
      throw new Error(`run true: ${res.status} ${JSON.stringify(run)}`);
  };
  const viaCli = () => bench.cli("run", "--rm", "--label", bench.label.filter, bench.image, "true");
  const rounds = await alternateCalls(bench.budget.calls, viaPortcall, viaCli);
  return [
    compare(
      "run-true",
      `run \`true\`, image present (median of ${bench.budget.calls})`,
      timeSide("POST /v1/runs", rounds.a),
      timeSide("docker run --rm", rounds.b),
      { of: "portcall ÷ docker run, time", target: { at: "most", value: 0.8 } },
    ),
  ];
}
