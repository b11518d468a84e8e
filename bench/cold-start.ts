// Cold start of the production bundle (`npm run bundle`), each run a fresh process, medians of RUNS:
// - the server: from spawning `node dist/bundle/server.mjs` to its first 200 on /healthz, and its RSS once idle
//   (a data folder that exists already, as at any start but the first; no hosts registered);
// - the function: in a fresh process, importing dist/bundle/lambda.mjs, then its first answer to a recorded
//   API Gateway event (GET /healthz, which builds the services: store, keys), in process.
//   npm run bench:cold [-- --runs 9]   → bench/results/cold-start.json
import { execFile, execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const BUNDLE = join(ROOT, "dist", "bundle");
const RESULTS = join(ROOT, "bench", "results", "cold-start.json");
const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 7;
const TARGETS = { serverMs: 400, serverRssMb: 80, functionMs: 300 };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const round = (value: number) => Math.round(value * 10) / 10;
const summary = (values: number[]) => ({ median: round(median(values)), runs: values.map(round) });

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Keys as an operator gives them, in the environment: neither start writes one. */
function keyEnvironment(): Record<string, string> {
  const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return {
    PORTCALL_SECRET_KEY: randomBytes(32).toString("base64url"),
    PORTCALL_SIGNING_KEY: pem,
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
  };
}

// The floor under both: a bare Node.js HTTP server, measured the same way, says what this machine costs any start.
const BARE_SERVER = `
import { createServer } from "node:http";
const server = createServer((req, res) => res.end("{}")).listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ message: "listening", url: "http://127.0.0.1:" + server.address().port }));
});
process.on("SIGTERM", () => process.exit(0));
`;

async function serverStart(
  env: Record<string, string>,
  args = [join(BUNDLE, "server.mjs")],
): Promise<{ ms: number; rssMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORTCALL_PORT: "0", PORTCALL_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.once("exit", (code) => reject(new Error(`the server exited with ${code}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const entry = JSON.parse(line) as { message?: string; url?: string };
        if (entry.message === "listening" && entry.url) resolveUrl(entry.url);
      });
    });
    for (;;) {
      const res = await fetch(`${url}/healthz`).catch(() => undefined);
      await res?.body?.cancel();
      if (res?.status === 200) break;
    }
    const ms = performance.now() - started;
    // Idle: what it holds once the start's garbage could be collected.
    await new Promise((done) => setTimeout(done, 1_000));
    return { ms, rssMb: await rssMb(child.pid ?? 0) };
  } finally {
    child.kill("SIGTERM");
    if (child.exitCode === null) await once(child, "exit");
  }
}

// Runs in the fresh process: times are from that process's start (performance.now's origin).
const FUNCTION_PROBE = `
import { readFileSync } from "node:fs";
const [lambda, eventFile, contextFile] = process.argv.slice(1);
const before = performance.now();
const { handler } = await import(lambda);
const imported = performance.now();
const answer = await handler(JSON.parse(readFileSync(eventFile, "utf8")), JSON.parse(readFileSync(contextFile, "utf8")));
const answered = performance.now();
process.stdout.write(JSON.stringify({
  bootMs: before, importMs: imported - before, firstAnswerMs: answered - imported, status: answer.statusCode,
  rssMb: process.memoryUsage().rss / 1048576,
}));
process.exit(0);
`;

type FunctionRun = { bootMs: number; importMs: number; firstAnswerMs: number; status: number; rssMb: number };

async function functionStart(env: Record<string, string>): Promise<FunctionRun> {
  const fixtures = join(ROOT, "test", "fixtures", "lambda");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      FUNCTION_PROBE,
      pathToFileURL(join(BUNDLE, "lambda.mjs")).href,
      join(fixtures, "apigw-v2-healthz.json"),
      join(fixtures, "lambda-context.json"),
    ],
    { env: { ...process.env, ...env, PORTCALL_LOG_LEVEL: "warn" } },
  );
  const run = JSON.parse(stdout) as FunctionRun;
  if (run.status !== 200) throw new Error(`the function answered ${run.status}`);
  return run;
}

execFileSync(process.execPath, [join(ROOT, "scripts", "bundle.mjs")], { stdio: "inherit" });
const work = await mkdtemp(join(tmpdir(), "portcall-cold-"));
try {
  const keys = keyEnvironment();
  const serverEnv = { ...keys, PORTCALL_DATA_DIR: join(work, "server") };
  // The function's store: PostgreSQL when one is given, as in production; else SQLite in a folder of its own.
  const functionEnv: Record<string, string> = process.env.PORTCALL_BENCH_DATABASE_URL
    ? { ...keys, PORTCALL_DATABASE_URL: process.env.PORTCALL_BENCH_DATABASE_URL }
    : { ...keys, PORTCALL_DATA_DIR: join(work, "function") };
  await mkdir(join(work, "function"));
  // Unmeasured: the first start creates the database; every later start finds it.
  await serverStart(serverEnv);
  await functionStart(functionEnv);

  const server: Array<{ ms: number; rssMb: number }> = [];
  const bare: Array<{ ms: number; rssMb: number }> = [];
  const fn: FunctionRun[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Interleaved, so drift in machine load hits all alike.
    bare.push(await serverStart({}, ["--input-type=module", "-e", BARE_SERVER]));
    server.push(await serverStart(serverEnv));
    fn.push(await functionStart(functionEnv));
  }
  const initPlusFirst = fn.map((run) => run.importMs + run.firstAnswerMs);
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    runs: RUNS,
    targets: TARGETS,
    bareNodeServer: {
      startToFirstAnswerMs: summary(bare.map((run) => run.ms)),
      idleRssMb: summary(bare.map((run) => run.rssMb)),
    },
    server: {
      startToFirstHealthzMs: summary(server.map((run) => run.ms)),
      idleRssMb: summary(server.map((run) => run.rssMb)),
    },
    function: {
      store: functionEnv.PORTCALL_DATABASE_URL ? "postgres" : "sqlite",
      nodeBootMs: summary(fn.map((run) => run.bootMs)),
      importMs: summary(fn.map((run) => run.importMs)),
      firstAnswerMs: summary(fn.map((run) => run.firstAnswerMs)),
      initPlusFirstAnswerMs: summary(initPlusFirst),
      rssAfterFirstAnswerMb: summary(fn.map((run) => run.rssMb)),
    },
  };
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  // Committed, and linted like the rest: in the formatter's layout.
  execFileSync(join(ROOT, "node_modules", ".bin", "biome"), ["format", "--write", RESULTS], {
    stdio: "ignore",
  });

  const row = (what: string, value: number, target: number | undefined, unit: string) =>
    `${what.padEnd(44)}${`${round(value)} ${unit}`.padStart(10)}${
      target === undefined
        ? ""
        : `${`≤ ${target} ${unit}`.padStart(12)}  ${value <= target ? "met" : "MISSED"}`
    }`;
  console.log(`cold start, median of ${RUNS} runs (${process.version})`);
  console.log(
    row(
      "bare node HTTP server: spawn → first 200",
      results.bareNodeServer.startToFirstAnswerMs.median,
      undefined,
      "ms",
    ),
  );
  console.log(
    row("bare node HTTP server: idle RSS", results.bareNodeServer.idleRssMb.median, undefined, "MB"),
  );
  console.log(
    row(
      "server: spawn → first /healthz 200",
      results.server.startToFirstHealthzMs.median,
      TARGETS.serverMs,
      "ms",
    ),
  );
  console.log(row("server: idle RSS", results.server.idleRssMb.median, TARGETS.serverRssMb, "MB"));
  console.log(
    row("function: node start (not in the target)", results.function.nodeBootMs.median, undefined, "ms"),
  );
  console.log(row("function: import lambda.mjs", results.function.importMs.median, undefined, "ms"));
  console.log(
    row("function: first answer (builds services)", results.function.firstAnswerMs.median, undefined, "ms"),
  );
  console.log(row("function: import + first answer", median(initPlusFirst), TARGETS.functionMs, "ms"));
  console.log(`written to ${RESULTS}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
