import type { LogStream } from "./log-frames.js";

export type CapturedOutput = {
  stdout: string;
  stderr: string;
  /** True when a stream printed more than its share of the limit: its middle was cut. */
  truncated: boolean;
  /** What each stream printed in all, kept or not. */
  stdoutBytes: number;
  stderrBytes: number;
};

/** The first `head` bytes and the last `tail` bytes of one stream, whatever its length. */
class HeadAndTail {
  private readonly headChunks: Buffer[] = [];
  private headBytes = 0;
  // The tail is a list of chunks trimmed from the front: memory stays near `tail` bytes.
  private tailChunks: Buffer[] = [];
  private tailBytes = 0;
  total = 0;

  constructor(
    private readonly head: number,
    private readonly tail: number,
  ) {}

  push(data: Buffer): void {
    this.total += data.length;
    let rest = data;
    if (this.headBytes < this.head) {
      const taken = rest.subarray(0, this.head - this.headBytes);
      this.headChunks.push(Buffer.from(taken));
      this.headBytes += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0 || this.tail === 0) return;
    if (rest.length >= this.tail) rest = rest.subarray(rest.length - this.tail);
    this.tailChunks.push(Buffer.from(rest));
    this.tailBytes += rest.length;
    while (this.tailBytes - (this.tailChunks[0]?.length ?? 0) >= this.tail) {
      this.tailBytes -= this.tailChunks.shift()?.length ?? 0;
    }
  }

  get cut(): number {
    return this.total - this.headBytes - Math.min(this.tailBytes, this.tail);
  }

  text(): string {
    const head = Buffer.concat(this.headChunks);
    const joined = Buffer.concat(this.tailChunks);
    const tail = joined.subarray(Math.max(0, joined.length - this.tail));
    // Uncut, head and tail are one run of bytes: decoded together, a character across the seam stays whole.
    if (this.cut === 0) return Buffer.concat([head, tail]).toString("utf8");
    return `${head.toString("utf8")}\n[… portcall cut ${this.cut} bytes …]\n${tail.toString("utf8")}`;
  }
}

/**
 * A command's stdout and stderr kept within `limitBytes` in memory however much it prints: each stream gets
 * half, of which it keeps the beginning and the end, since that is where errors and summaries are.
 */
export class OutputCapture {
  private readonly streams: Record<LogStream, HeadAndTail>;

  constructor(limitBytes: number) {
    const share = Math.floor(limitBytes / 2);
    const head = Math.ceil(share / 2);
    this.streams = {
      stdout: new HeadAndTail(head, share - head),
      stderr: new HeadAndTail(head, share - head),
    };
  }

  push(stream: LogStream, data: Buffer): void {
    this.streams[stream].push(data);
  }

  result(): CapturedOutput {
    const { stdout, stderr } = this.streams;
    return {
      stdout: stdout.text(),
      stderr: stderr.text(),
      truncated: stdout.cut > 0 || stderr.cut > 0,
      stdoutBytes: stdout.total,
      stderrBytes: stderr.total,
    };
  }
}
