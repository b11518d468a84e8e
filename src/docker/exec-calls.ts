import type { Readable } from "node:stream";
import type { CallOptions } from "./call-options.js";
import type { CallTarget, ModemError } from "./docker-errors.js";
import type { Engine } from "./engine.js";
import {
  type ExecEngine,
  type ExecProcess,
  type ExecRequest,
  type ExecSession,
  startExec,
} from "./exec-session.js";

/** The daemon side of an exec: what exec-session.ts needs of a container, each with a deadline of its own. */
export class ExecCalls {
  constructor(private readonly engine: Engine) {}

  /**
   * Starts a command in a container, never privileged; the session runs it to its end or its deadline. Docker
   * has no call that kills an exec: exec-session.ts says how a command is killed all the same.
   */
  exec(ref: string, request: ExecRequest, options: CallOptions): Promise<ExecSession> {
    return startExec(this.execEngine(ref), request, options.signal);
  }

  private execEngine(ref: string): ExecEngine {
    return {
      hasShell: (signal) => this.pathExists(ref, "/bin/sh", { signal }),
      start: (process, signal) => this.startProcess(ref, process, { signal }),
      exitCode: (id) => this.exitCode(id),
      streamFailure: (error) => this.engine.streamFailure(error),
    };
  }

  /**
   * Whether `path` is in the container's filesystem (running or not), by a HEAD of its archive. The daemon
   * answers 404 for a missing container too: a caller that goes on to use the container learns which it was.
   */
  private pathExists(ref: string, path: string, options: CallOptions): Promise<boolean> {
    return this.engine.call(options, undefined, (abortSignal) =>
      this.engine
        .dial({
          path: `/containers/${encodeURIComponent(ref)}/archive?`,
          options: { path },
          method: "HEAD",
          abortSignal,
        })
        .then(
          () => true,
          (error: ModemError | null) => {
            if (error?.statusCode === 404) return false;
            throw error;
          },
        ),
    );
  }

  private async startProcess(
    ref: string,
    process: ExecProcess,
    options: CallOptions,
  ): Promise<{ id: string; output: Readable }> {
    const target: CallTarget = { kind: "container", ref };
    const exec = await this.engine.call(options, target, (abortSignal) =>
      this.engine.docker.getContainer(encodeURIComponent(ref)).exec({
        Cmd: process.cmd,
        Env: Object.entries(process.env ?? {}).map(([name, value]) => `${name}=${value}`),
        ...(process.workingDir ? { WorkingDir: process.workingDir } : {}),
        ...(process.user ? { User: process.user } : {}),
        // Without stdin attached, the command reads an empty one.
        AttachStdin: process.stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Privileged: false,
        abortSignal,
      }),
    );
    // The client's leaving is the session's to handle once the command started: it kills the command (for which
    // it needs the pid announced on this very stream) and only then cuts the stream. Host close still cuts it.
    const { signal: _client, ...untilStarted } = options;
    const socket = await this.engine.openStream(untilStarted, target, async (signal) => {
      // Only a hijacked connection carries stdin; without the upgrade the daemon would read HTTP chunk framing.
      const upgraded = await exec.start({ hijack: true, stdin: true, abortSignal: signal });
      // The upgraded socket no longer belongs to the HTTP request that the signal aborts.
      signal.addEventListener("abort", () => upgraded.destroy(), { once: true });
      return upgraded;
    });
    // A half-close ends the command's stdin while its output still flows back; destroying would lose that.
    if (process.stdin !== undefined) socket.end(process.stdin);
    return { id: exec.id, output: socket };
  }

  private async exitCode(id: string): Promise<number | null> {
    const info = await this.engine.call({}, undefined, (abortSignal) =>
      this.engine.docker.getExec(id).inspect({ abortSignal }),
    );
    return info.Running ? null : info.ExitCode;
  }
}
