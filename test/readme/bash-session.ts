import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export type SegmentResult = { stdout: string; stderr: string; failure: string | null };

// Record separators: they end each segment's output on both streams, and no example prints them.
const END = "\x1e";
const FIELD = "\x1f";

/**
 * One bash session, as a reader's terminal: variables, functions and the current folder carry from one
 * segment to the next. A command that exits non-zero is remembered (an ERR trap) and reported with its
 * segment, and the session goes on as a terminal would.
 */
export class BashSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private stdout = "";
  private stderr = "";
  private count = 0;
  private waiting: (() => void) | null = null;

  /** `scratch`: a folder for the segments' scripts, outside what the examples see. */
  constructor(
    cwd: string,
    env: Record<string, string>,
    private readonly scratch: string,
  ) {
    this.child = spawn("bash", ["--norc", "--noprofile"], { cwd, env, stdio: "pipe" });
    const wake = () => this.waiting?.();
    // Decoded as streams: a character of several bytes (`…`, `—`) may come split across two chunks.
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (chunk) => {
      this.stdout += chunk;
      wake();
    });
    this.child.stderr.on("data", (chunk) => {
      this.stderr += chunk;
      wake();
    });
    this.child.on("exit", wake);
    // A stream that curl's --max-time ends exits 28: that is how the README bounds a stream, not a failure.
    // A segment's own `source` fails with its last command, which the trap has seen already.
    this.child.stdin.write(
      `__readme_failed=""
__readme_err() {
  case "$2" in "source '"*) return ;; *--max-time*) [ "$1" = 28 ] && return ;; esac
  [ -z "$__readme_failed" ] && __readme_failed="exit $1: $2"
}
trap '__readme_err "$?" "$BASH_COMMAND"' ERR
`,
    );
  }

  /** Runs `code`, resolving what it printed on each stream once it ended (or rejecting at `timeoutMs`). */
  async run(code: string, timeoutMs: number): Promise<SegmentResult> {
    const id = ++this.count;
    const marker = `${END}${id}${FIELD}`;
    // Sourced from a file with stdin closed: a command that reads stdin must not read the session's script.
    const script = join(this.scratch, `segment-${id}.sh`);
    writeFileSync(script, code);
    this.child.stdin.write(
      `source '${script}' </dev/null\nprintf '\\n${marker}%s\\n' "$__readme_failed"; printf '${marker}\\n' >&2; __readme_failed=""\n`,
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = this.stdout.indexOf(marker);
      const err = this.stderr.indexOf(marker);
      const outEnd = this.stdout.indexOf("\n", out + marker.length);
      if (out >= 0 && err >= 0 && outEnd >= 0) {
        const failure = this.stdout.slice(out + marker.length, outEnd);
        // The newline printed before the marker is the session's, not the example's.
        const result = {
          stdout: this.stdout.slice(0, out).replace(/\n$/, ""),
          stderr: this.stderr.slice(0, err),
          failure: failure === "" ? null : failure,
        };
        this.stdout = this.stdout.slice(outEnd + 1);
        this.stderr = this.stderr.slice(this.stderr.indexOf("\n", err) + 1);
        return result;
      }
      if (this.child.exitCode !== null)
        throw new Error(`bash exited (${this.child.exitCode}): ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no end after ${timeoutMs} ms; so far:\n${this.stdout}\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.child.kill("SIGKILL");
  }
}
