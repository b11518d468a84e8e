// `true` run in a fresh container whose image the host has, one run at a time: portcall's POST /v1/runs
// (create, start, wait, output, removal, in one call) against `docker run --rm`, which does the same.
import { alternate, alternateCalls, compare, median, type Row, timed, timeSide } from "../support/runner.js";
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
  // What any client of the API must wait for: the daemon's calls of a run with its output kept, on the socket.
  const viaSocket = async () => {
    const container = await bench.docker.createContainer({
      Image: bench.image,
      Cmd: ["true"],
      Labels: { [bench.label.key]: bench.label.value },
    });
    const ended = container.wait({ condition: "next-exit" });
    await container.start();
    await ended;
    await container.inspect();
    await container.logs({ stdout: true, stderr: true });
    await container.remove({ force: true, v: true });
  };
  const rounds = await alternateCalls(bench.budget.calls, viaPortcall, viaCli);
  const socket = await alternate(
    bench.budget.calls,
    () => timed(viaSocket),
    () => timed(viaCli),
  );
  const floor = median(socket.a) / median(socket.b);
  return [
    compare(
      "run-true",
      `run \`true\`, image present (median of ${bench.budget.calls})`,
      timeSide("POST /v1/runs", rounds.a),
      timeSide("docker run --rm", rounds.b),
      {
        of: "portcall ÷ docker run, time",
        target: { at: "most", value: 0.8 },
        note: `the same run's daemon calls straight to the socket (create, wait, start, inspect, logs, remove): ${median(socket.a).toFixed(0)} ms, ${floor.toFixed(2)} of docker run's`,
      },
    ),
  ];
}
