// The whole log of a container that wrote a big one, read as text, as NDJSON and as SSE: portcall's GET …/logs
// with each Accept against `docker logs`, in MiB of log per second, and how much portcall's resident memory
// grows while it streams.
import { alternate, compare, type Row, type Side, single, stats } from "../support/runner.js";
import { api, type Bench, serverRssMb } from "../support/setup.js";
import { drain } from "../support/streams.js";

const MIB = 1024 * 1024;
// 99 characters and a newline: every line the same, a hundred bytes, like a busy service's log.
const LINE =
  "portcall bench: one line of a big log, as long as every other one, written by yes and cut by head..";

// The newlines a whole read of a log of `lines` lines holds, in each format. head cut the log's last line
// short, without its newline: text keeps it so, each event format makes it an event of its own. NDJSON sends
// an object a line; SSE an `event:`, a `data:`, an `id:` and a blank line.
const FORMATS = [
  { id: "text", name: "text", accept: "text/plain", newlines: (lines: number) => Math.floor(lines) },
  {
    id: "ndjson",
    name: "NDJSON",
    accept: "application/x-ndjson",
    newlines: (lines: number) => Math.ceil(lines),
  },
  { id: "sse", name: "SSE", accept: "text/event-stream", newlines: (lines: number) => Math.ceil(lines) * 4 },
] as const;

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

/** A read: how much of the log it carried (lines through portcall, bytes through docker logs), and its time. */
type Read = { count: number; ms: number };

async function timedRead(read: () => Promise<number>): Promise<Read> {
  const started = performance.now();
  const count = await read();
  return { count, ms: performance.now() - started };
}

/** The rate of log delivered, whatever the format's framing added: the log's size over each read's time. */
const rateSide = (label: string, size: number, reads: Read[]): Side => {
  const rates = stats(
    reads.map((read) => size / MIB / (read.ms / 1000)),
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
  const lines = size / (LINE.length + 1);
  const id = await bigLog(bench, size);
  const path = `/v1/hosts/local/containers/${id}/logs`;
  const baseline = await serverRssMb(bench);
  // The highest RSS seen while each format streams: sampled only then, so each figure is its growth for
  // these reads and nothing else.
  const peaks = new Map<string, number>();
  let sampling: string | undefined;
  const sampler = setInterval(() => {
    const format = sampling;
    if (format)
      void serverRssMb(bench).then((rss) => peaks.set(format, Math.max(peaks.get(format) ?? baseline, rss)));
  }, 20);
  const rows: Row[] = [];
  try {
    for (const format of FORMATS) {
      const rounds = await alternate(
        bench.budget.rounds,
        async () => {
          sampling = format.name;
          try {
            return await timedRead(async () => {
              const res = await api(bench, path, { headers: { Accept: format.accept } });
              if (!res.body) throw new Error(`GET ${path}: no body`);
              return (await drain(res.body)).lines;
            });
          } finally {
            sampling = undefined;
          }
        },
        () => timedRead(() => bench.cliBytes("logs", id)),
      );
      const expected = format.newlines(lines);
      const whole =
        rounds.a.every((read) => read.count === expected) && rounds.b.every((read) => read.count === size);
      rows.push(
        compare(
          `logs-${format.id}`,
          `logs of a ${size / MIB} MiB container as ${format.name}`,
          rateSide(`GET …/logs, ${format.name}`, size, rounds.a),
          rateSide("docker logs", size, rounds.b),
          {
            of: "portcall ÷ docker logs, MiB/s",
            target: { at: "least", value: 0.8 },
            ...(whole
              ? {}
              : {
                  note: `lines read: ${rounds.a[0]?.count} of ${expected}; docker logs: ${rounds.b[0]?.count} of ${size} bytes`,
                }),
          },
        ),
      );
    }
    const growth = FORMATS.map(({ name }) => [name, (peaks.get(name) ?? baseline) - baseline] as const);
    rows.push(
      single(
        "logs-rss-growth",
        `portcall's RSS growth while streaming ${size / MIB} MiB of logs, the most of any format`,
        { value: Math.max(...growth.map(([, mib]) => mib)), unit: "MiB" },
        { at: "most", value: 64 },
        `from ${baseline.toFixed(0)} MiB before the first read; ${growth.map(([name, mib]) => `${name} ${mib.toFixed(1)} MiB`).join(", ")}`,
      ),
    );
    return rows;
  } finally {
    clearInterval(sampler);
  }
}
