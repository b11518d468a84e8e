import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { once } from "node:events";
import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createApp } from "../src/app.js";
import { FunctionInstance, type SweepResult } from "../src/function/function-instance.js";
import type {
  handler as Handler,
  ScheduledEvent,
  shutdown as Shutdown,
  streamHandler as StreamHandler,
} from "../src/lambda.js";
import { openStore } from "../src/store/open-store.js";
import type { Store } from "../src/store/ports/store.js";
import { rigTls } from "./support/attack.js";
import { readJson } from "./support/http.js";
import {
  fixture,
  type HttpEvent,
  httpEvent,
  installAwsLambdaStandIn,
  lambdaContext,
  RecordedResponseStream,
} from "./support/lambda-events.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "./support/postgres.js";
import { ensureImage, removeLabelled, rig, rigDocker, testLabel } from "./support/rig.js";
import { cliToken, ROOT } from "./support/server.js";

type BufferedAnswer = { statusCode: number; headers: Record<string, string>; body: string };

// The rig's daemon that speaks mutual TLS.
const TLS_DAEMON = "rig2";

describeWithPostgres("portcall as an AWS Lambda function", () => {
  const label = testLabel();
  const before = { cwd: process.cwd(), env: { ...process.env } };
  let database: TestDatabase;
  let operatorFiles: string;
  let readOnly: string;
  let env: Record<string, string>;
  let token: string;
  let store: Store;
  let handler: typeof Handler;
  let streamHandler: typeof StreamHandler;
  let shutdown: typeof Shutdown | undefined;

  const call = async (event: HttpEvent): Promise<BufferedAnswer & { json: Record<string, unknown> }> => {
    const answer = (await handler(event, lambdaContext())) as BufferedAnswer;
    const json =
      answer.body && answer.headers["content-type"]?.includes("json") ? JSON.parse(answer.body) : {};
    return { ...answer, json };
  };
  const runSpec = (cmd: string, extra: Record<string, unknown> = {}) => ({
    host: "tls",
    image: rig().images.busybox,
    cmd: ["sh", "-c", cmd],
    labels: { [label.key]: label.value },
    ...extra,
  });
  const createRun = (cmd: string, extra: Record<string, unknown> = {}) =>
    httpEvent("apigw-v2-create-run.json", { token, body: runSpec(cmd, extra) });
  const getRun = (id: string) => httpEvent("apigw-v2-get-run.json", { token, path: `/v1/runs/${id}` });
  /** Whether no instance watches the run: its lease was given back (or lapsed). Read from the store only. */
  const unwatched = async (id: string) =>
    (await store.runs.listUnwatched(new Date().toISOString())).some((row) => row.id === id);

  /** Another instance of the function answers `event` in its own process, then goes away as `mode` says. */
  const otherInstance = async (event: HttpEvent, mode: "reclaimed" | "shutdown") => {
    const tsx = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const child = spawn(
      process.execPath,
      ["--import", tsx, join(ROOT, "test", "support", "lambda-instance.ts"), mode],
      { cwd: readOnly, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] },
    );
    child.stdin.end(JSON.stringify(event));
    const [output, [code]] = await Promise.all([text(child.stdout), once(child, "exit")]);
    expect(code).toBe(0);
    return JSON.parse(output) as BufferedAnswer;
  };

  beforeAll(async () => {
    await ensureImage(rigDocker(TLS_DAEMON), rig().images.busybox);
    database = await createDatabase();
    store = await openStore(":memory:", database.url);
    // What the operator ships beside the function: a hosts file naming the TLS daemon with its client keys.
    operatorFiles = await mkdtemp(join(tmpdir(), "portcall-fn-operator-"));
    const hostsFile = join(operatorFiles, "hosts.yaml");
    await writeFile(hostsFile, stringify({ hosts: [{ id: "tls", url: rig().tls.url, tls: rigTls() }] }));
    env = {
      PORTCALL_DATABASE_URL: database.url,
      PORTCALL_SECRET_KEY: randomBytes(32).toString("base64url"),
      PORTCALL_SIGNING_KEY: generateKeyPairSync("ed25519")
        .privateKey.export({ format: "pem", type: "pkcs8" })
        .toString(),
      PORTCALL_HOSTS_FILE: hostsFile,
      PORTCALL_LOG_LEVEL: "warn",
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    };
    // The operator's token, made with the CLI against the same database and signing key.
    token = await cliToken(
      env,
      "--name",
      "fn-test",
      "--scope",
      "runs:create,runs:read,events:read",
      "--hosts",
      "tls",
    );

    // The function's own folder is read-only and it has no data folder: whatever it writes there fails.
    readOnly = await mkdtemp(join(tmpdir(), "portcall-fn-cwd-"));
    await chmod(readOnly, 0o555);
    process.chdir(readOnly);
    delete process.env.PORTCALL_DATA_DIR;
    Object.assign(process.env, env);
    installAwsLambdaStandIn();
    ({ handler, streamHandler, shutdown } = await import("../src/lambda.js"));
  });

  afterAll(async () => {
    // The warm instance of this process: its store connection must be gone before its database is.
    await shutdown?.();
    process.chdir(before.cwd);
    process.env = before.env;
    await removeLabelled(rigDocker(TLS_DAEMON), label.filter);
    await store?.close();
    await database?.drop();
    await chmod(readOnly, 0o755).catch(() => {});
    await rm(readOnly, { recursive: true, force: true });
    await rm(operatorFiles, { recursive: true, force: true });
  });

  it("runs a container in one call through API Gateway, on a host over mutual TLS from the hosts file", async () => {
    const answer = await call(createRun("echo hello from a function"));

    expect(answer.statusCode, answer.body).toBe(201);
    expect(answer.json).toMatchObject({ host: "tls", status: "exited", exitCode: 0 });
    expect(answer.json.output).toMatchObject({ stdout: "hello from a function\n" });
  });

  it("answers a call without a token 401 with a problem, as the server does", async () => {
    const answer = await call(httpEvent("apigw-v2-create-run.json", { token: null }));

    expect(answer.statusCode).toBe(401);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(answer.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(answer.json).toMatchObject({ code: "invalid_token" });
  });

  it("streams a run's log through the function URL in response-streaming mode", async () => {
    const started = await call(createRun("echo one; sleep 1; echo two", { wait: false }));
    expect(started.statusCode, started.body).toBe(202);
    const event = httpEvent("function-url-run-logs.json", {
      token,
      path: `/v1/runs/${started.json.id}/logs`,
    });
    const stream = new RecordedResponseStream();

    await streamHandler(event, stream, lambdaContext());

    const answer = stream.answer();
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toContain("text/event-stream");
    expect(answer.body).toMatch(/data: .*one/);
    expect(answer.body).toMatch(/data: .*two/);
  });

  it("refuses a streamed answer on the buffered endpoint with a problem saying where to ask", async () => {
    const started = await call(createRun("echo buffered", { wait: false }));
    const followed = httpEvent("function-url-run-logs.json", {
      token,
      path: `/v1/runs/${started.json.id}/logs`,
    });
    // An operation whose only answer is a stream that never ends, whatever Accept says.
    const events = httpEvent("apigw-v2-get-run.json", { token, path: "/v1/events" });

    for (const answer of [await call(followed), await call(events)]) {
      expect(answer.statusCode).toBe(400);
      expect(answer.json).toMatchObject({ code: "invalid_request" });
      expect(answer.json.detail).toMatch(/response-streaming mode.*Accept: application\/json/);
    }
  });

  it("gives a run's log whole on the buffered endpoint when it is not followed", async () => {
    const done = await call(createRun("echo first; echo second", { remove: false }));
    const event = httpEvent("apigw-v2-get-run.json", {
      token,
      path: `/v1/runs/${done.json.id}/logs`,
      headers: { accept: "text/plain" },
    });

    const answer = await call(event);

    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.body).toBe("first\nsecond\n");
  });

  it("watches nothing once an invocation ends: a run it started with wait: false is completed by a later read", async () => {
    const started = await call(createRun("sleep 1; echo mine", { wait: false }));
    expect(started.statusCode, started.body).toBe(202);
    const { id, containerId } = started.json as { id: string; containerId: string };
    // Frozen next, it could not watch the run: its lease is given back, for reads and sweeps anywhere.
    expect(await unwatched(id)).toBe(true);

    await rigDocker(TLS_DAEMON).getContainer(containerId).wait();
    // Nobody recorded the end meanwhile: no watcher outlived the invocation.
    expect((await store.runs.get(id))?.status).toBe("running");
    const read = await call(getRun(id));

    expect(read.statusCode, read.body).toBe(200);
    expect(read.json).toMatchObject({ status: "exited", exitCode: 0, output: { stdout: "mine\n" } });
  });

  it("completes a run started with wait: false on a later read, with no instance watching it", async () => {
    // The instance that started it is reclaimed right after answering: its watcher is gone with it.
    const started = await otherInstance(createRun("sleep 1; echo late", { wait: false }), "reclaimed");
    expect(started.statusCode, started.body).toBe(202);
    const { id } = JSON.parse(started.body) as { id: string };
    expect((await store.runs.get(id))?.status).toBe("running");

    let run: Record<string, unknown> = {};
    for (let tries = 0; tries < 40 && run.status !== "exited"; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = (await call(getRun(id))).json;
    }

    expect(run).toMatchObject({ status: "exited", exitCode: 0, output: { stdout: "late\n" } });
  });

  it("finishes a run nobody watches when the scheduled sweep event comes", async () => {
    // This instance shuts down while the run goes on, giving its lease back: nobody watches the run now.
    const started = await otherInstance(createRun("sleep 1; echo swept", { wait: false }), "shutdown");
    expect(started.statusCode, started.body).toBe(202);
    const { id, containerId } = JSON.parse(started.body) as { id: string; containerId: string };
    await rigDocker(TLS_DAEMON).getContainer(containerId).wait();
    expect((await store.runs.get(id))?.status).toBe("running");

    // And one that still runs when the sweep comes, started on this very instance.
    const goesOn = (await call(createRun("echo before; sleep 300", { wait: false }))).json as {
      id: string;
      containerId: string;
    };

    const swept = await handler(fixture<ScheduledEvent>("eventbridge-scheduled.json"), lambdaContext());

    expect((swept as SweepResult).sweep.runs).toBeGreaterThanOrEqual(2);
    // Read from the store, not through the API: a read would record the end itself.
    const stored = await store.runs.get(id);
    expect(stored).toMatchObject({ status: "exited", exit_code: 0 });
    expect(stored?.output).toMatchObject({ stdout: "swept\n" });
    // The sweep left no watcher behind on the one still running: it is unwatched, and its end is a read's.
    expect(await unwatched(goesOn.id)).toBe(true);
    await rigDocker(TLS_DAEMON).getContainer(goesOn.containerId).kill();
    await rigDocker(TLS_DAEMON).getContainer(goesOn.containerId).wait();
    expect((await store.runs.get(goesOn.id))?.status).toBe("running");
    expect((await call(getRun(goesOn.id))).json).toMatchObject({
      status: "exited",
      exitCode: 137,
      output: { stdout: "before\n" },
    });
  });

  it("wrote nothing to its folder: no data folder, no key files", async () => {
    // As root (the rig's tests run as root) the folder's mode stops nothing: what is in it is the proof.
    expect(await readdir(readOnly)).toEqual([]);
  });
});

describe("portcall as a function, not set up", () => {
  it("loads, and answers its first call with a problem naming what to set", async () => {
    const instance = new FunctionInstance({ PORTCALL_LOG_LEVEL: "silent" });
    const app = createApp(() => instance.services());

    const res = await app.request("/healthz");

    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = await readJson(res);
    expect(problem).toMatchObject({ code: "internal_error" });
    expect(problem.detail).toMatch(/PORTCALL_DATABASE_URL.*PORTCALL_SECRET_KEY.*PORTCALL_SIGNING_KEY/);
  });
});
