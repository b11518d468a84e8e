import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { boundedLines } from "../../src/docker/json-lines.js";
import { logLines } from "../../src/docker/log-frames.js";

const collect = async <T>(source: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
};

// Streams shaped as a daemon sends them, cut at awkward places; a daemon cannot be made to cut them on demand.
describe("reading a daemon's streams", () => {
  it("joins lines and characters split across chunks", async () => {
    const euro = Buffer.from("€");
    const chunks = [
      Buffer.from('{"a":1}\n{"b":"'),
      euro.subarray(0, 1),
      euro.subarray(1),
      Buffer.from('"}\n{"c":3}'),
    ];
    expect(await collect(boundedLines(Readable.from(chunks)))).toEqual(['{"a":1}', '{"b":"€"}', '{"c":3}']);
  });

  it("fails a stream whose line never ends, instead of buffering it", async () => {
    const endless = Readable.from(
      (function* () {
        for (let i = 0; i < 300; i++) yield Buffer.alloc(8192, 120);
      })(),
    );
    await expect(collect(boundedLines(endless))).rejects.toThrow(/passed \d+ characters/);
  });

  it("demultiplexes log frames, keeping a character split across two frames whole", async () => {
    const frame = (stream: number, payload: Buffer) => {
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const text = Buffer.from("héllo\n");
    const raw = Buffer.concat([
      frame(1, text.subarray(0, 2)),
      frame(2, Buffer.from("oops\n")),
      frame(1, text.subarray(2)),
    ]);
    const lines = await collect(
      logLines(Readable.from([raw.subarray(0, 5), raw.subarray(5)]), { tty: false, timestamps: false }),
    );
    expect(lines).toEqual([
      { stream: "stderr", ts: null, line: "oops" },
      { stream: "stdout", ts: null, line: "héllo" },
    ]);
  });

  it("refuses a log frame that claims an absurd length", async () => {
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(0xffffffff, 4);
    await expect(
      collect(logLines(Readable.from([header]), { tty: false, timestamps: false })),
    ).rejects.toThrow(/claims/);
  });
});
