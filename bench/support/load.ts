// The suite's side of the load process (load-child.ts): one child for the whole run, sent one job at a time.
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type autocannon from "autocannon";
import { alternate, median, type Side, stats } from "./runner.js";

export type LoadOptions = Pick<
  autocannon.Options,
  "url" | "socketPath" | "connections" | "duration" | "amount" | "method" | "headers" | "body"
>;
export type LoadJob = { id: number; options: LoadOptions };
export type LoadResult = {
  requests: number;
  seconds: number;
  rps: number;
  /** Each 2xx answer's time, in milliseconds. */
  times: number[];
  failures: { non2xx: number; errors: number; timeouts: number };
};
export type LoadReply = (LoadResult & { id: number }) | { id: number; error: string };

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//;

export class LoadGenerator {
  private readonly child: ChildProcess;
  private next = 0;

  constructor() {
    this.child = fork(join(import.meta.dirname, "load-child.ts"), [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  }

  /** One bounded load; a refused or failed request is a broken scenario, not a number. */
  async run(options: LoadOptions): Promise<LoadResult> {
    // Loopback or a unix socket only, whatever a scenario asks.
    if (!LOOPBACK.test(options.url as string)) throw new Error(`load only on loopback, not ${options.url}`);
    if (options.amount === undefined && !(Number(options.duration) > 0)) throw new Error("an unbounded load");
    const id = this.next++;
    const reply = await new Promise<LoadReply>((resolve, reject) => {
      const onMessage = (message: LoadReply) => {
        if (message.id !== id) return;
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`the load process exited with ${code}`));
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      this.child.send({ id, options } satisfies LoadJob);
    });
    if ("error" in reply) throw new Error(`load against ${options.url}: ${reply.error}`);
    const { non2xx, errors, timeouts } = reply.failures;
    if (non2xx + errors + timeouts > 0 || reply.requests === 0) {
      throw new Error(
        `load against ${options.url}: ${reply.requests} answered, ${non2xx} not 2xx, ${errors} errors, ${timeouts} timeouts`,
      );
    }
    return reply;
  }

  close(): void {
    this.child.kill("SIGTERM");
  }
}

/** Rounds of one side as a row's side: the median round's throughput, the latencies of every call of every round. */
export function loadSide(label: string, rounds: LoadResult[]): Side {
  return {
    label,
    value: median(rounds.map((round) => round.rps)),
    unit: "req/s",
    latency: stats(
      rounds.flatMap((round) => round.times),
      "ms",
    ),
  };
}

/**
 * Two loads at `connections` compared: each warmed for `warmup` seconds unmeasured (connections opened, code
 * compiled, caches filled on both sides), then `rounds` of `seconds` each, in turns.
 */
export async function alternateLoads(
  load: LoadGenerator,
  budget: { rounds: number; seconds: number; warmup: number },
  connections: number,
  a: LoadOptions,
  b: LoadOptions,
): Promise<{ a: LoadResult[]; b: LoadResult[] }> {
  await load.run({ ...a, connections, duration: budget.warmup });
  await load.run({ ...b, connections, duration: budget.warmup });
  return alternate(
    budget.rounds,
    () => load.run({ ...a, connections, duration: budget.seconds }),
    () => load.run({ ...b, connections, duration: budget.seconds }),
  );
}
