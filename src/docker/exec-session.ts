import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { frames, type LogStream } from "./log-frames.js";

/** A process to start in a container: the settings a container's own process has, and the text its stdin gets. */
export type ExecProcess = {
  cmd: string[];
  env?: Record<string, string> | undefined;
  workingDir?: string | undefined;
  user?: string | undefined;
  stdin?: string | undefined;
};

export type ExecRequest = ExecProcess & { timeoutMs: number };

export type ExecOutcome = {
  /** null when the command was killed (deadline or client gone), or the daemon could not tell. */
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
};

/** Receives the command's output as it comes; a slow receiver slows the command down, not memory up. */
export type ExecOutput = (stream: LogStream, data: Buffer) => void | Promise<void>;

/** What an exec needs of a daemon; DockerHost gives it, with a deadline on every call. */
export type ExecEngine = {
  /** Whether the container has `/bin/sh`, without which a command cannot be killed. */
  hasShell(signal?: AbortSignal): Promise<boolean>;
  /** Creates and starts a process, its stdin written and closed; `output` is Docker's multiplexed stream. */
  start(process: ExecProcess, signal?: AbortSignal): Promise<{ id: string; output: Readable }>;
  /** null while the process still runs. */
  exitCode(id: string): Promise<number | null>;
  /** What a broken output stream becomes for the caller. */
  streamFailure(error: unknown): Error;
};

const SHELL = "/bin/sh";
const PID_ANNOUNCEMENT = /^portcall-exec-pid=(\d+)\n/;
const MAX_ANNOUNCEMENT_BYTES = 64;
// Docker has no call that kills an exec, and the pid its inspect gives is the host's. So the command starts
// under a shell that tells its pid, as seen inside the container, on stderr before the command can write
// anything, then becomes the command (exec keeps the pid). runc makes every exec process a session leader,
// so that pid is also the process group its background jobs stay in.
const ANNOUNCE_THEN_EXEC = 'echo "portcall-exec-pid=$$" >&2 && exec "$@"';

// Kills a command and everything it started, with nothing but sh builtins and /proc: its process group and
// every descendant (those that left the group too). Stopping them first, until no new one turns up, keeps
// any from forking away between being found and being killed. A process that daemonized (left the group
// and the tree) is not found.
const KILL_TREE = `root=$1 last=
members() {
  found=" " grew=1
  while [ -n "$grew" ]; do
    grew=
    for stat in /proc/[0-9]*/stat; do
      { read -r line < "$stat"; } 2>/dev/null || continue
      pid=\${line%% *}
      set -- \${line##*) }
      case "$found" in *" $pid "*) continue ;; esac
      case "$found" in *" $2 "*) ;; *) [ "$pid" = "$root" ] || [ "$3" = "$root" ] || continue ;; esac
      found="$found$pid " grew=1
    done
  done
}
tries=0
while [ "$tries" -lt 50 ]; do
  members
  [ "$found" = "$last" ] && break
  kill -STOP $found 2>/dev/null
  last=$found tries=$((tries + 1))
done
kill -KILL $found 2>/dev/null
exit 0`;

/** How long a kill waits for a pid the shell has not announced yet (it is the shell's first act). */
const ANNOUNCE_WAIT_MS = 2_000;
/** How long output may go on after the kill (or the killer may take) before the stream is cut. */
const KILL_GRACE_MS = 5_000;
/** The daemon may still report a process as running for a moment after its output ended. */
const EXIT_CODE_WAIT_MS = 2_000;
const EXIT_CODE_POLL_MS = 50;

/** `cmd`, run by a shell that announces the pid first (see ANNOUNCE_THEN_EXEC). */
export function announcingPid(cmd: string[]): string[] {
  return [SHELL, "-c", ANNOUNCE_THEN_EXEC, "sh", ...cmd];
}

/** The command that kills the process `pid` and everything it started (see KILL_TREE). */
export function killTree(pid: number): string[] {
  return [SHELL, "-c", KILL_TREE, "sh", String(pid)];
}

/** Takes the shell's pid announcement off the front of stderr and passes everything after it through. */
export class PidAnnouncement {
  private head: Buffer | undefined = Buffer.alloc(0);
  private announce: (pid: number | undefined) => void = () => {};
  /** The announced pid; undefined once it is clear none will come. */
  readonly pid = new Promise<number | undefined>((resolve) => {
    this.announce = resolve;
  });

  /** The part of `data` that is the command's own stderr. */
  strip(data: Buffer): Buffer {
    if (!this.head) return data;
    const head = Buffer.concat([this.head, data]);
    const newline = head.indexOf("\n");
    if (newline === -1 && head.length < MAX_ANNOUNCEMENT_BYTES) {
      this.head = head;
      return Buffer.alloc(0);
    }
    const line = newline === -1 ? "" : head.subarray(0, newline + 1).toString("latin1");
    const match = PID_ANNOUNCEMENT.exec(line);
    this.settle(match ? Number(match[1]) : undefined);
    return match ? head.subarray(newline + 1) : head;
  }

  /** At the end of the stream: a first line that never became an announcement is the command's after all. */
  end(): Buffer {
    const rest = this.head ?? Buffer.alloc(0);
    this.settle(undefined);
    return rest;
  }

  private settle(pid: number | undefined): void {
    this.head = undefined;
    this.announce(pid);
  }
}

/** `promise`'s value, or undefined once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `request` in a container. Where the container has `/bin/sh`, the command runs under it so that it
 * can be killed; else it runs as given, and a deadline can only stop waiting for it.
 */
export async function startExec(
  engine: ExecEngine,
  request: ExecRequest,
  signal?: AbortSignal,
): Promise<ExecSession> {
  const { timeoutMs, ...process } = request;
  const killable = await engine.hasShell(signal);
  const startedAt = performance.now();
  const started = await engine.start(
    killable ? { ...process, cmd: announcingPid(process.cmd) } : process,
    signal,
  );
  return new ExecSession(engine, started, {
    deadline: startedAt + timeoutMs,
    startedAt,
    announcement: killable ? new PidAnnouncement() : undefined,
    user: process.user,
    signal,
  });
}

type SessionSettings = {
  /** performance.now() by which the command must have ended. */
  deadline: number;
  startedAt: number;
  /** Absent when the command runs without the announcing shell: it cannot be killed then. */
  announcement: PidAnnouncement | undefined;
  /** The killer runs as the command's user: killing its own processes needs no privilege. */
  user: string | undefined;
  /** The client's: when it goes away, the command is killed. */
  signal: AbortSignal | undefined;
};

/** One started command, run to its end, its deadline, or its client's departure. */
export class ExecSession {
  private stopping = false;
  private timedOut = false;
  private markDrained: () => void = () => {};
  /** Settles once the command's output has ended or been cut. */
  private readonly drained = new Promise<void>((resolve) => {
    this.markDrained = resolve;
  });

  constructor(
    private readonly engine: ExecEngine,
    private readonly process: { id: string; output: Readable },
    private readonly settings: SessionSettings,
  ) {}

  async run(onOutput: ExecOutput): Promise<ExecOutcome> {
    const { signal } = this.settings;
    const timer = setTimeout(() => this.stop(true), Math.max(0, this.settings.deadline - performance.now()));
    const onAbort = () => this.stop(false);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.pump(onOutput);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      this.process.output.destroy();
      this.markDrained();
    }
    const durationMs = Math.round(performance.now() - this.settings.startedAt);
    return { exitCode: this.stopping ? null : await this.exitCode(), timedOut: this.timedOut, durationMs };
  }

  private async pump(onOutput: ExecOutput): Promise<void> {
    const { announcement } = this.settings;
    try {
      for await (const { stream, data } of frames(this.process.output, false)) {
        const own = stream === "stderr" && announcement ? announcement.strip(data) : data;
        if (own.length > 0) await onOutput(stream, own);
      }
    } catch (error) {
      // A stream cut on purpose ends with an error too.
      if (!this.stopping) throw this.engine.streamFailure(error);
    }
    const rest = announcement?.end();
    if (rest && rest.length > 0) await onOutput("stderr", rest);
  }

  private stop(timedOut: boolean): void {
    if (this.stopping) return;
    this.stopping = true;
    this.timedOut = timedOut;
    void this.kill().finally(() => this.process.output.destroy());
  }

  /** Kills the command where it can; the caller cuts the stream whatever happened here. */
  private async kill(): Promise<void> {
    const { announcement } = this.settings;
    const pid = announcement && (await within(announcement.pid, ANNOUNCE_WAIT_MS));
    if (pid === undefined) return;
    try {
      const killer = await this.engine.start({ cmd: killTree(pid), user: this.settings.user });
      killer.output.resume();
      await within(
        finished(killer.output).catch(() => {}),
        KILL_GRACE_MS,
      ).finally(() => killer.output.destroy());
    } catch {
      // The daemon refused the killer (the container stopped, the host went away): nothing is left to wait for.
      return;
    }
    // Once nothing holds the command's output open any more, the daemon ends the stream by itself.
    await within(this.drained, KILL_GRACE_MS);
  }

  private async exitCode(): Promise<number | null> {
    const giveUpAt = performance.now() + EXIT_CODE_WAIT_MS;
    for (;;) {
      const code = await this.engine.exitCode(this.process.id);
      if (code !== null || performance.now() >= giveUpAt) return code;
      await sleep(EXIT_CODE_POLL_MS);
    }
  }
}
