// The whole log of a container that wrote a big one, read as text: portcall's GET …/logs with Accept
// text/plain against `docker logs`, in MiB/s, and how much portcall's resident memory grows while it streams.
import { alternate, compare, type Row, type Side, single, stats } from "../support/runner.js";
import { api, type Bench, serverRssMb } from "../support/setup.js";

const MIB = 1024 * 1024;
// 99 characters and a newline: every line the same, a hundred bytes, like a busy service's log.
const LINE =
  "portcall bench: one line of a big log, as long as every other one, written by yes and cut by head..";

/** A finished container whose log is `bytes` of text lines. */
async function bigLog(bench: Bench, bytes: number): Promise<string> {
  const container = await bench.docker.createContainer({
    Image: bench.image,
    Cmd: ["sh", "-c", `yes '${LINE}' | head -c ${bytes}`],
    Labels: { [bench.label.key]: bench.label.value },
    HostConfig: { NetworkMode: "none" },
  });
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  if (StatusCode !== 0) throw new Error(`the log writer exited with ${StatusCode}`);
  return container.id;
}

async function readAll(res: Response): Promise<number> {
  let bytes = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) return bytes;
    bytes += chunk.value.byteLength;
  }
}

type Read = { bytes: number; ms: number };

async function timedRead(read: () => Promise<number>): Promise<Read> {
  const started = performance.now();
  const bytes = await read();
  return { bytes, ms: performance.now() - started };
}

const rateSide = (label: string, reads: Read[]): Side => {
  const rates = stats(
    reads.map((read) => read.bytes / MIB / (read.ms / 1000)),
    "MiB/s",
  );
  return {
    label,
    value: rates.median,
    unit: "MiB/s",
    latency: stats(
      reads.map((read) => read.ms),
      "ms",
    ),
  };
};

export async function logs(bench: Bench): Promise<Row[]> {
  const size = bench.budget.logBytes;
  const id = await bigLog(bench, size);
  const path = `/v1/hosts/local/containers/${id}/logs`;
  const baseline = await serverRssMb(bench);
  let peak = baseline;
  let sampling = false;
  // Sampled only while portcall streams, so the figure is its growth for this read and nothing else.
  const sampler = setInterval(() => {
    if (sampling) void serverRssMb(bench).then((rss) => (peak = Math.max(peak, rss)));
  }, 20);
  try {
    const rounds = await alternate(
      bench.budget.rounds,
      async () => {
        sampling = true;
        try {
          return await timedRead(async () =>
            readAll(await api(bench, path, { headers: { Accept: "text/plain" } })),
          );
        } finally {
          sampling = false;
        }
      },
      () => timedRead(() => bench.cliBytes("logs", id)),
    );
    const ours = rateSide("GET …/logs, text", rounds.a);
    const theirs = rateSide("docker logs", rounds.b);
    const same =
      rounds.a.every((read) => read.bytes === size) && rounds.b.every((read) => read.bytes === size);
    const label = `logs of a ${size / MIB} MiB container as text`;
    return [
      compare("logs-text", label, ours, theirs, {
        of: "portcall ÷ docker logs, MiB/s",
        target: { at: "least", value: 0.8 },
        ...(same ? {} : { note: `bytes read: ${rounds.a[0]?.bytes} against ${rounds.b[0]?.bytes}` }),
      }),
      single(
        "logs-rss-growth",
        `portcall's RSS growth while streaming ${size / MIB} MiB of logs`,
        { value: peak - baseline, unit: "MiB" },
        { at: "most", value: 64 },
        `from ${baseline.toFixed(0)} MiB before the first read`,
      ),
    ];
  } finally {
    clearInterval(sampler);
  }
}
