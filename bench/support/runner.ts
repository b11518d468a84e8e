// What every scenario shares: the two sides measured in turns, the statistics, and the shape of a result row.

/** Nearest-rank percentile of values already sorted ascending. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export type Stats = { median: number; p99: number; unit: string; samples: number };

export function stats(values: number[], unit: string): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), unit, samples: values.length };
}

/**
 * Runs `a` and `b` in turns, `rounds` times each (a, b, a, b…), so that drift in the machine's load (two CPUs
 * shared with the daemons and the server) hits both sides alike.
 */
export async function alternate<A, B>(
  rounds: number,
  a: (round: number) => Promise<A>,
  b: (round: number) => Promise<B>,
): Promise<{ a: A[]; b: B[] }> {
  const results = { a: [] as A[], b: [] as B[] };
  for (let round = 0; round < rounds; round++) {
    results.a.push(await a(round));
    results.b.push(await b(round));
  }
  return results;
}

/** The milliseconds one call took. */
export async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** One-off calls compared: one of each unmeasured (caches, code paths), then `calls` of each, timed, in turns. */
export async function alternateCalls(
  calls: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  await a();
  await b();
  return alternate(
    calls,
    () => timed(a),
    () => timed(b),
  );
}

/** A target from the issue, in the sense of the row's ratio (or of its value when the row has no ratio). */
export type Target = { at: "most" | "least"; value: number };

export const met = (value: number, target: Target | undefined): boolean | undefined =>
  target === undefined || Number.isNaN(value)
    ? undefined
    : target.at === "most"
      ? value <= target.value
      : value >= target.value;

/** A side of a row: its main figure (throughput, time, rate) with the latencies behind it. */
export type Side = {
  label: string;
  /** The figure the ratio is taken of. */
  value: number;
  unit: string;
  /** Per call (or per read), when the figure has a distribution. */
  latency?: Stats;
};

export type Row = {
  id: string;
  scenario: string;
  portcall?: Side;
  direct?: Side;
  /** What the row compares, when not portcall with direct (fleet with one host), or a single value. */
  ratio?: { value: number; of: string };
  /** A value without a direct side (added latency, memory growth). */
  value?: { value: number; unit: string };
  target?: Target;
  met?: boolean;
  note?: string;
};

/** A row comparing two sides, its ratio `portcall ÷ direct` of their figures unless `invert` (direct ÷ portcall). */
export function compare(
  id: string,
  scenario: string,
  portcall: Side,
  direct: Side,
  options: { of: string; invert?: boolean; target?: Target; note?: string },
): Row {
  const value = options.invert ? direct.value / portcall.value : portcall.value / direct.value;
  const row: Row = { id, scenario, portcall, direct, ratio: { value, of: options.of } };
  if (options.target) {
    row.target = options.target;
    row.met = met(value, options.target);
  }
  if (options.note) row.note = options.note;
  return row;
}

/** A row of one value (added latency, memory growth, a start time) with an optional target. */
export function single(
  id: string,
  scenario: string,
  value: { value: number; unit: string },
  target?: Target,
  note?: string,
): Row {
  const row: Row = { id, scenario, value };
  if (target) {
    row.target = target;
    row.met = met(value.value, target);
  }
  if (note) row.note = note;
  return row;
}

/** Times of one-off calls as a row's side: their median as the figure, with their distribution. */
export const timeSide = (label: string, times: number[]): Side => ({
  label,
  value: median(times),
  unit: "ms",
  latency: stats(times, "ms"),
});
