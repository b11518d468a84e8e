import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

export type LogStream = "stdout" | "stderr";
export type LogLine = { stream: LogStream; ts: string | null; line: string };

// A line longer than this is passed on in pieces: memory stays bounded whatever a container prints.
const MAX_LINE_BYTES = 64 * 1024;
// Docker writes frames of at most a few KiB; a header claiming more is a broken or hostile stream.
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Docker's multiplexed log stream: frames of an 8-byte header (stream type, 3 zero bytes, big-endian length)
 * and a payload. A container with a TTY has no frames: everything is stdout.
 */
export async function* frames(
  source: Readable,
  tty: boolean,
): AsyncGenerator<{ stream: LogStream; data: Buffer }> {
  if (tty) {
    for await (const chunk of source) yield { stream: "stdout", data: chunk as Buffer };
    return;
  }
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    while (pending.length >= 8) {
      const length = pending.readUInt32BE(4);
      if (length > MAX_FRAME_BYTES)
        throw new Error(`a log frame claims ${length} bytes; the stream is not a log`);
      if (pending.length < 8 + length) break;
      yield { stream: pending[0] === 2 ? "stderr" : "stdout", data: pending.subarray(8, 8 + length) };
      pending = pending.subarray(8 + length);
    }
  }
}

function split(text: string, timestamps: boolean, stream: LogStream): LogLine {
  if (!timestamps) return { stream, ts: null, line: text };
  const space = text.indexOf(" ");
  return space > 0
    ? { stream, ts: text.slice(0, space), line: text.slice(space + 1) }
    : { stream, ts: null, line: text };
}

/** Log lines, per stream, in the order the daemon sent them; a last line without a newline is still given. */
export async function* logLines(
  source: Readable,
  options: { tty: boolean; timestamps: boolean },
): AsyncGenerator<LogLine> {
  const partial: Record<LogStream, string> = { stdout: "", stderr: "" };
  // A character split across two frames is joined again, per stream.
  const decoders: Record<LogStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };
  for await (const { stream, data } of frames(source, options.tty)) {
    let text = partial[stream] + decoders[stream].write(data);
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      yield split(text.slice(0, newline).replace(/\r$/, ""), options.timestamps, stream);
      text = text.slice(newline + 1);
      newline = text.indexOf("\n");
    }
    while (text.length > MAX_LINE_BYTES) {
      yield split(text.slice(0, MAX_LINE_BYTES), options.timestamps, stream);
      text = text.slice(MAX_LINE_BYTES);
    }
    partial[stream] = text;
  }
  for (const stream of ["stdout", "stderr"] as const) {
    if (partial[stream]) yield split(partial[stream], options.timestamps, stream);
  }
}

/** A log, read once: as lines (with their stream), as plain text, or as raw per-stream chunks. */
export type ContainerLogs = {
  lines(): AsyncGenerator<LogLine>;
  text(): AsyncGenerator<Buffer>;
  chunks(): AsyncGenerator<{ stream: LogStream; data: Buffer }>;
};

/** A daemon's log stream (a container's or a service's), framed by the TTY setting of what wrote it. */
export function logsOf(source: Readable, options: { tty: boolean; timestamps: boolean }): ContainerLogs {
  return {
    lines: () => logLines(source, options),
    // Plain text needs no line splitting: payloads pass through as they come.
    text: async function* () {
      for await (const frame of frames(source, options.tty)) yield frame.data;
    },
    chunks: () => frames(source, options.tty),
  };
}
