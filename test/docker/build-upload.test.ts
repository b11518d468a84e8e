import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { ReadableStream } from "node:stream/web";
import { gzipSync } from "node:zlib";
import { extract, type Header, pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spoolTarContext } from "../../src/docker/build-upload.js";
import { ApiError } from "../../src/errors/api-error.js";

type Entry = Partial<Header> & { name: string; content?: string };

async function tarOf(...entries: Entry[]): Promise<Buffer> {
  const archive = pack();
  for (const { content = "", ...header } of entries) archive.entry({ mode: 0o644, ...header }, content);
  archive.finalize();
  return buffer(archive);
}

/** A request body as the server hands it over: a web stream, here in chunks of `size` bytes. */
function bodyOf(bytes: Buffer, size = 1000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + size));
      offset += size;
    },
  });
}

async function entriesOf(tar: Buffer): Promise<Array<{ header: Header; content: string }>> {
  const found: Array<{ header: Header; content: string }> = [];
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader)
      found.push({ header: entry.header, content: (await buffer(entry)).toString() });
  })();
  reader.end(tar);
  await done;
  return found;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("the context was accepted"),
    (error: unknown) => {
      expect(error).toBeInstanceOf(ApiError);
      return error as ApiError;
    },
  );

describe("a tar build context, read before any of it goes to a daemon", () => {
  let spoolDir: string;
  const previousTmp = process.env.TMPDIR;
  const leftovers = () => readdir(spoolDir);

  beforeAll(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), "portcall-spool-test-"));
    process.env.TMPDIR = spoolDir;
  });
  afterAll(async () => {
    process.env.TMPDIR = previousTmp;
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("finds the Dockerfile, under ./ too, sends the same entries on, and leaves nothing behind", async () => {
    const tar = await tarOf(
      { name: "./Dockerfile", content: "FROM x\n" },
      { name: "app/a.txt", content: "a" },
    );
    for (const bytes of [tar, gzipSync(tar)]) {
      const context = await spoolTarContext(bodyOf(bytes), { dockerfile: "Dockerfile" });
      expect(context.dockerfile.toString()).toBe("FROM x\n");
      const sent = await entriesOf(await buffer(context.open()));
      expect(sent.map(({ header, content }) => [header.name, content])).toEqual([
        ["./Dockerfile", "FROM x\n"],
        ["app/a.txt", "a"],
      ]);
      await context.dispose();
      expect(await leftovers()).toEqual([]);
    }
  });

  it("reads the Dockerfile the daemon reads: the named path, the last entry of it, or `dockerfile`", async () => {
    const cases: Array<[string, Entry[], string]> = [
      ["ci/Build.df", [{ name: "ci/Build.df", content: "FROM named\n" }], "FROM named\n"],
      [
        "Dockerfile",
        [
          { name: "Dockerfile", content: "FROM one\n" },
          { name: "./Dockerfile", content: "FROM two\n" },
        ],
        "FROM two\n",
      ],
      ["Dockerfile", [{ name: "dockerfile", content: "FROM lower\n" }], "FROM lower\n"],
    ];
    for (const [dockerfile, entries, expected] of cases) {
      const context = await spoolTarContext(bodyOf(await tarOf(...entries)), { dockerfile });
      expect(context.dockerfile.toString()).toBe(expected);
      await context.dispose();
    }
    expect(await leftovers()).toEqual([]);
  });

  it("refuses a context without its Dockerfile, naming it", async () => {
    const tar = await tarOf({ name: "Dockerfile", content: "FROM x\n" });
    const error = await refusal(spoolTarContext(bodyOf(tar), { dockerfile: "ci/Build.df" }));
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain('"ci/Build.df"');
    expect(await leftovers()).toEqual([]);
  });

  it("refuses a Dockerfile the daemon would read through a link", async () => {
    for (const entries of [
      [
        { name: "real", content: "FROM x\n" },
        { name: "Dockerfile", type: "symlink" as const, linkname: "real" },
      ],
      [
        { name: "real", content: "FROM x\n" },
        { name: "Dockerfile", type: "link" as const, linkname: "real" },
      ],
      [
        { name: "ci", type: "symlink" as const, linkname: "elsewhere" },
        { name: "ci/Dockerfile", content: "FROM x\n" },
      ],
    ]) {
      const dockerfile = entries.at(-1)?.name ?? "";
      expect((await refusal(spoolTarContext(bodyOf(await tarOf(...entries)), { dockerfile }))).code).toBe(
        "invalid_request",
      );
    }
    // An entry written through a link lands where it points: possibly on the Dockerfile.
    const through = await tarOf(
      { name: "Dockerfile", content: "FROM checked\n" },
      { name: "here", type: "symlink", linkname: "." },
      { name: "here/Dockerfile", content: "FROM built\n" },
    );
    const error = await refusal(spoolTarContext(bodyOf(through), { dockerfile: "Dockerfile" }));
    expect(error.message).toContain('inside the symbolic link "here"');
    expect(await leftovers()).toEqual([]);
  });

  it("counts the decompressed bytes, and refuses compressions it cannot count", async () => {
    const tar = await tarOf(
      { name: "Dockerfile", content: "FROM x\n" },
      { name: "zeros", content: "\0".repeat(200_000) },
    );
    const gzipped = gzipSync(tar);
    expect(gzipped.length).toBeLessThan(10_000);
    const error = await refusal(
      spoolTarContext(bodyOf(gzipped), { dockerfile: "Dockerfile", limit: 100_000 }),
    );
    expect(error.code).toBe("payload_too_large");
    for (const magic of [
      [0x42, 0x5a, 0x68, 0x39],
      [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
      [0x28, 0xb5, 0x2f, 0xfd],
    ]) {
      const body = Buffer.concat([Buffer.from(magic), Buffer.alloc(2000)]);
      const refused = await refusal(spoolTarContext(bodyOf(body), { dockerfile: "Dockerfile" }));
      expect(refused.code).toBe("unsupported_media_type");
      expect(refused.message).toMatch(/plain or gzipped tar/);
    }
    expect(await leftovers()).toEqual([]);
  });

  it("refuses what is not a tar, and a tar whose first name would read to the daemon as compressed", async () => {
    expect(
      (await refusal(spoolTarContext(bodyOf(Buffer.alloc(2048, 7)), { dockerfile: "Dockerfile" }))).code,
    ).toBe("invalid_request");
    const tar = await tarOf({ name: "BZh9-first", content: "" }, { name: "Dockerfile", content: "FROM x\n" });
    // Gzipped, so that only the tar inside starts with bzip2's magic.
    const error = await refusal(spoolTarContext(bodyOf(gzipSync(tar)), { dockerfile: "Dockerfile" }));
    expect(error.message).toMatch(/reads as compressed/);
    expect(await leftovers()).toEqual([]);
  });

  it("drops PAX records only Go's reader acts on", async () => {
    const tar = await tarOf(
      { name: "Dockerfile", content: "FROM x\n" },
      { name: "data", content: "d", pax: { "GNU.sparse.name": "Dockerfile", "SCHILY.xattr.user.a": "1" } },
    );
    const context = await spoolTarContext(bodyOf(tar), { dockerfile: "Dockerfile" });
    const [, data] = await entriesOf(await buffer(context.open()));
    expect(data?.header.pax).toEqual({ path: "data", "SCHILY.xattr.user.a": "1" });
    await context.dispose();
  });

  it("removes the spool when the client leaves in the middle of the upload", async () => {
    const tar = await tarOf(
      { name: "Dockerfile", content: "FROM x\n" },
      { name: "big", content: "x".repeat(100_000) },
    );
    let sent = 0;
    let spooling = 0;
    const client = new AbortController();
    const leaving = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= 50_000) {
          spooling = (await leftovers()).length;
          // The server aborts the request's signal as the connection closes, and the body ends in an error.
          client.abort();
          return controller.error(new Error("client went away"));
        }
        controller.enqueue(tar.subarray(sent, sent + 10_000));
        sent += 10_000;
      },
    });
    await expect(
      spoolTarContext(leaving, { dockerfile: "Dockerfile", signal: client.signal }),
    ).rejects.toThrow();
    expect(spooling).toBe(1);
    expect(await leftovers()).toEqual([]);
  });
});
