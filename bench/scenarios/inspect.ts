// Container inspect under load, at 1 and at 16 connections: portcall's GET /v1/hosts/{host}/containers/{id}
// against the same inspect straight to the daemon's unix socket. At one connection the difference of the two
// times per request is what portcall adds to every call. A bare Node.js proxy of the same call (bare-proxy.mjs),
// measured against the socket the same way, gives the floor any Node.js server in the path has on this machine.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { alternateLoads, type LoadOptions, loadSide } from "../support/load.js";
import { compare, type Row, single } from "../support/runner.js";
import type { Bench } from "../support/setup.js";

/** bench/support/bare-proxy.mjs, started for the scenario: its URL, and how to stop it. */
async function bareProxy(bench: Bench): Promise<{ url: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, "../support/bare-proxy.mjs"), bench.daemon.socket],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

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
  const bare = await bareProxy(bench);
  // Its first call opens its socket to the daemon: not for a short warm-up to pay.
  if (!(await fetch(`${bare.url}/containers/${id}`)).ok) throw new Error("the bare proxy cannot inspect");
  const rows: Row[] = [];
  try {
    for (const connections of [1, 16])
      rows.push(...(await measure(bench, connections, portcall, direct, bare.url)));
  } finally {
    bare.stop();
  }
  return rows;
}

async function measure(
  bench: Bench,
  connections: number,
  portcall: LoadOptions,
  direct: LoadOptions,
  bareUrl: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  const rounds = await alternateLoads(bench.load, bench.budget, connections, portcall, direct);
  const ours = loadSide("portcall", rounds.a);
  const theirs = loadSide("socket", rounds.b);
  // The same machine's floor for any Node.js proxy of this call, measured the same way.
  const floor = await alternateLoads(
    bench.load,
    bench.budget,
    connections,
    { url: `${bareUrl}${new URL(String(portcall.url)).pathname}` },
    direct,
  );
  const bareSide = loadSide("bare proxy", floor.a);
  const bareRatio = bareSide.value / loadSide("socket", floor.b).value;
  rows.push(
    compare(
      `inspect-${connections}`,
      `container inspect, ${connections} connection${connections > 1 ? "s" : ""}`,
      ours,
      theirs,
      {
        of: "portcall ÷ socket, req/s",
        target: { at: "least", value: 0.7 },
        note: `a bare Node.js proxy of the same call: ${Math.round(bareSide.value)} req/s, ${bareRatio.toFixed(2)} of the socket`,
      },
    ),
  );
  if (connections === 1) {
    // One request at a time, so the medians' difference is what portcall adds to a call; the mean's (the
    // inverse of the throughputs) is more sensitive to the machine's other work.
    const median = (ours.latency?.median ?? Number.NaN) - (theirs.latency?.median ?? Number.NaN);
    const mean = 1000 / ours.value - 1000 / theirs.value;
    const bareMean = 1000 / bareSide.value - 1000 / loadSide("socket", floor.b).value;
    rows.push(
      single(
        "inspect-added-latency",
        "added latency per inspect (1 connection, medians)",
        { value: median, unit: "ms" },
        { at: "most", value: 0.3 },
        `means: ${mean.toFixed(2)} ms added; the bare proxy's: ${bareMean.toFixed(2)} ms`,
      ),
    );
  }
  return rows;
}
