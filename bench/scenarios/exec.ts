// `true` executed in a running container, one at a time: portcall's POST /v1/hosts/{host}/containers/{id}/exec
// (which also checks the container against the create policy, and runs the command under /bin/sh so that it
// can be killed) against `docker exec`.
import { alternateCalls, compare, type Row, timeSide } from "../support/runner.js";
import { api, type Bench } from "../support/setup.js";

export async function exec(bench: Bench): Promise<Row[]> {
  const [id = ""] = await bench.sleepers(1);
  const viaPortcall = async () => {
    const res = await api(bench, `/v1/hosts/local/containers/${id}/exec`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ cmd: ["true"] }),
    });
    const result = (await res.json()) as { exitCode: number | null };
    if (result.exitCode !== 0) throw new Error(`exec true: ${JSON.stringify(result)}`);
  };
  const viaCli = () => bench.cli("exec", id, "true");
  const rounds = await alternateCalls(bench.budget.calls, viaPortcall, viaCli);
  return [
    compare(
      "exec-true",
      `exec \`true\` (median of ${bench.budget.calls})`,
      timeSide("POST …/exec", rounds.a),
      timeSide("docker exec", rounds.b),
      { of: "portcall ÷ docker exec, time" },
    ),
  ];
}
