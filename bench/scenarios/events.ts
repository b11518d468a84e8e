// How soon a client following the events hears of a container action: from a container's create, asked straight
// of the daemon's socket, to its `create` event read off portcall's GET /v1/events (as NDJSON, and as SSE)
// against the daemon's own GET /events, in turns. Each stream is narrowed to a label of its own, so it carries
// only the creates made for it, and nothing of the rig's other work.
import { alternate, compare, type Row, timeSide } from "../support/runner.js";
import { api, type Bench } from "../support/setup.js";
import { LineWatch, socketGet } from "../support/streams.js";

const KEY = "portcall.bench.events";
const FORMATS = [
  { name: "NDJSON", accept: "application/x-ndjson" },
  { name: "SSE", accept: "text/event-stream" },
] as const;

/** A stream that carries the creates of containers labelled `KEY=value`, and only those. */
type Stream = { side: string; value: string; watch: LineWatch };

const labelValue = (bench: Bench, side: string) => `${side}-${bench.label.value}`;

/** portcall's stream of the creates labelled for `side`, once it follows the host (its `attached` event). */
async function portcallStream(bench: Bench, side: string, accept: string): Promise<Stream> {
  const stop = new AbortController();
  const value = labelValue(bench, side);
  const label = encodeURIComponent(`${KEY}=${value}`);
  const res = await api(bench, `/v1/events?host=local&type=container&action=create&label=${label}`, {
    headers: { Accept: accept },
    signal: stop.signal,
  });
  if (!res.body) throw new Error("GET /v1/events: no body");
  const watch = new LineWatch(res.body, () => stop.abort());
  await watch.arrival('"attached"');
  return { side, value, watch };
}

/** The daemon's own stream of the same creates, on its socket. */
async function daemonStream(bench: Bench, side: string): Promise<Stream> {
  const value = labelValue(bench, side);
  const filters = JSON.stringify({ type: ["container"], event: ["create"], label: [`${KEY}=${value}`] });
  const res = await socketGet(bench.daemon.socket, `/events?filters=${encodeURIComponent(filters)}`);
  return { side, value, watch: new LineWatch(res, () => res.destroy()) };
}

/** One container created for `stream`: the milliseconds from asking for it to its event read off the stream. */
async function delivery(bench: Bench, { side, value, watch }: Stream, count: { n: number }): Promise<number> {
  const name = `pcbench-${bench.label.value.slice(0, 8)}-${side}-${++count.n}`;
  const arrived = watch.arrival(name);
  // Handled here too: a create that fails is the error to report, not its event's wait running out after.
  arrived.catch(() => {});
  const started = performance.now();
  const container = await bench.docker.createContainer({
    name,
    Image: bench.image,
    Cmd: ["true"],
    Labels: { [bench.label.key]: bench.label.value, [KEY]: value },
    HostConfig: { NetworkMode: "none" },
  });
  const at = await arrived;
  await container.remove({ force: true });
  return at - started;
}

export async function events(bench: Bench): Promise<Row[]> {
  const count = { n: 0 };
  const calls = bench.budget.calls * 3;
  const direct = await daemonStream(bench, "socket");
  const rows: Row[] = [];
  try {
    for (const format of FORMATS) {
      const ours = await portcallStream(bench, format.name.toLowerCase(), format.accept);
      try {
        // One of each unmeasured: the daemon's stream may subscribe just after its headers went out.
        await delivery(bench, ours, count);
        await delivery(bench, direct, count);
        const rounds = await alternate(
          calls,
          () => delivery(bench, ours, count),
          () => delivery(bench, direct, count),
        );
        const portcall = timeSide(`GET /v1/events, ${format.name}`, rounds.a);
        const socket = timeSide("GET /events on the socket", rounds.b);
        rows.push(
          compare(
            `events-${format.name.toLowerCase()}`,
            `event delivery, container create → its event read, ${format.name} (median of ${calls})`,
            portcall,
            socket,
            {
              of: "portcall ÷ socket, time",
              note: `portcall adds ${(portcall.value - socket.value).toFixed(2)} ms (medians); the time includes the create itself`,
            },
          ),
        );
      } finally {
        ours.watch.close();
      }
    }
  } finally {
    direct.watch.close();
  }
  return rows;
}
