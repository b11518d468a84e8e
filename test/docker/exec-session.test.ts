import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  announcingPid,
  type ExecEngine,
  type ExecProcess,
  killTree,
  PidAnnouncement,
  startExec,
} from "../../src/docker/exec-session.js";

/** One frame of Docker's multiplexed stream. */
function frame(stream: "stdout" | "stderr", text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream === "stdout" ? 1 : 2;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** A daemon in memory: each started process gets a stream the test writes to; `exitCodes` answer in turn. */
function fakeEngine(options: { shell: boolean; exitCodes?: Array<number | null> }) {
  const started: Array<{ process: ExecProcess; output: PassThrough }> = [];
  const exitCodes = [...(options.exitCodes ?? [0])];
  const engine: ExecEngine = {
    hasShell: async () => options.shell,
    start: async (process) => {
      const output = new PassThrough();
      started.push({ process, output });
      return { id: `exec-${started.length}`, output };
    },
    exitCode: async () => (exitCodes.length > 1 ? (exitCodes.shift() ?? null) : (exitCodes[0] ?? null)),
    streamFailure: (error) => new Error(`stream failed: ${String(error)}`),
  };
  return { engine, started };
}

describe("the pid announcement on stderr", () => {
  it("is taken off stderr even when it arrives in pieces, and what follows passes through", async () => {
    const announcement = new PidAnnouncement();
    expect(announcement.strip(Buffer.from("portcall-exec"))).toHaveLength(0);
    expect(announcement.strip(Buffer.from("-pid=42\nfirst")).toString()).toBe("first");
    expect(announcement.strip(Buffer.from(" words")).toString()).toBe(" words");
    expect(await announcement.pid).toBe(42);
  });

  it("leaves a first line that is not one untouched, and then says no pid will come", async () => {
    const announcement = new PidAnnouncement();
    expect(announcement.strip(Buffer.from("sh: oops\n")).toString()).toBe("sh: oops\n");
    expect(await announcement.pid).toBeUndefined();
    const long = new PidAnnouncement();
    expect(long.strip(Buffer.from("x".repeat(100))).toString()).toBe("x".repeat(100));
  });

  it("gives back an unfinished first line when the stream ends", async () => {
    const announcement = new PidAnnouncement();
    expect(announcement.strip(Buffer.from("partial"))).toHaveLength(0);
    expect(announcement.end().toString()).toBe("partial");
    expect(await announcement.pid).toBeUndefined();
  });
});

describe("an exec session", () => {
  const request = { cmd: ["sleep", "9"], user: "app", timeoutMs: 50 };

  it("runs the command under the announcing shell and kills the announced pid, as its user, at the deadline", async () => {
    const { engine, started } = fakeEngine({ shell: true });
    const session = await startExec(engine, request);
    const main = started[0];
    main?.output.write(Buffer.concat([frame("stderr", "portcall-exec-pid=7\n"), frame("stdout", "hi")]));
    const output: string[] = [];
    const running = session.run((stream, data) => {
      output.push(`${stream}:${data}`);
    });
    await expect.poll(() => started.length).toBe(2);
    const killer = started[1];
    expect(killer?.process).toEqual({ cmd: killTree(7), user: "app" });
    killer?.output.end();
    main?.output.end();
    expect(await running).toMatchObject({ exitCode: null, timedOut: true });
    expect(main?.process.cmd).toEqual(announcingPid(["sleep", "9"]));
    expect(output).toEqual(["stdout:hi"]);
  });

  it("cuts the stream at the deadline when the container has no shell to kill with", async () => {
    const { engine, started } = fakeEngine({ shell: false });
    const session = await startExec(engine, request);
    const outcome = await session.run(() => {});
    expect(outcome).toMatchObject({ exitCode: null, timedOut: true });
    expect(started.map(({ process }) => process.cmd)).toEqual([["sleep", "9"]]);
  });

  it("gives the exit code once the daemon no longer reports the process as running", async () => {
    const { engine, started } = fakeEngine({ shell: false, exitCodes: [null, null, 3] });
    const session = await startExec(engine, { ...request, timeoutMs: 5_000 });
    started[0]?.output.end(frame("stdout", "done\n"));
    expect(await session.run(() => {})).toMatchObject({ exitCode: 3, timedOut: false });
  });
});
