import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open as openFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { type Extract, extract, type Header, type Pack, pack } from "tar-stream";
import { ApiError } from "../errors/api-error.js";
import type { BuildContext } from "./build-context.js";

/** The most a tar context may hold, decompressed; the upload itself is held to it too. */
export const BUILD_CONTEXT_LIMIT = 256 * 1024 * 1024;
/** A Dockerfile is read whole into memory to be checked. */
const DOCKERFILE_LIMIT = 1024 * 1024;

/** Compressions the daemon recognises by their first bytes (moby `archive.DetectCompression`). */
const COMPRESSIONS: Array<{ name: string; matches: (head: Buffer) => boolean }> = [
  { name: "gzip", matches: (head) => head[0] === 0x1f && head[1] === 0x8b },
  { name: "bzip2", matches: (head) => head.subarray(0, 3).toString("latin1") === "BZh" },
  {
    name: "xz",
    matches: (head) => head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])),
  },
  {
    name: "zstd",
    matches: (head) =>
      head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])) ||
      (((head[0] ?? 0) & 0xf0) === 0x50 && head.subarray(1, 4).equals(Buffer.from([0x2a, 0x4d, 0x18]))),
  },
];
const MAGIC_BYTES = 6;

export const compressionOf = (head: Buffer) => COMPRESSIONS.find((entry) => entry.matches(head))?.name;

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
const tooLarge = (what: string, limit: number) =>
  new ApiError("payload_too_large", `${what} is larger than ${mib(limit)}.`);
const DECOMPRESSED = "The decompressed build context";

function byteLimit(limit: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(tooLarge(what, limit));
      else done(null, chunk);
    },
  });
}

/**
 * The upload as a plain tar: gunzipped when its first bytes say gzip. Any other compression the daemon would
 * undo is refused: portcall reads only what it can count.
 */
async function* decompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const chunks = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < MAGIC_BYTES) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  const compression = compressionOf(head);
  if (compression && compression !== "gzip") {
    throw new ApiError(
      "unsupported_media_type",
      `The build context is ${compression}-compressed, which portcall cannot count before the daemon unpacks ` +
        "it. Send a plain or gzipped tar.",
    );
  }
  const all = async function* () {
    if (head.length > 0) yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  };
  if (compression !== "gzip") return yield* all();
  const gunzip = createGunzip();
  // A failure on the way in destroys gunzip, and reading it below throws that error.
  const feeding = pipeline(all(), gunzip).catch(() => {});
  yield* gunzip;
  await feeding;
}

/** An entry's path as the daemon's untar resolves it (`filepath.Clean`, inside the context). */
const contextPath = (name: string) => posix.normalize(`/${name}`).slice(1).replace(/\/+$/, "");
const parents = (path: string) =>
  path
    .split("/")
    .slice(0, -1)
    .map((_, index, parts) => parts.slice(0, index + 1).join("/"));

/**
 * The entry types sent on. Device nodes and FIFOs are refused: the daemon unpacks the context on its host as
 * root and COPY/ADD then open them there, outside any container's device rules (a block device of the host read
 * into an image; a FIFO that hangs the build for good). Whatever tar-stream cannot name (GNU sparse) is refused.
 */
const PASSED_TYPES = new Set(["file", "link", "symlink", "directory"]);

type Found = { type: string; content: Buffer[]; tooLarge: boolean };

/** Watches the entries for the Dockerfile the daemon will read: the last entry of that path wins, as on disk. */
class DockerfileWatch {
  private readonly found = new Map<string, Found>();
  private readonly parentTypes = new Map<string, string>();
  readonly paths: string[];

  constructor(readonly path: string) {
    // The daemon reads `dockerfile` when the default `Dockerfile` is missing.
    this.paths = path === "Dockerfile" ? [path, "dockerfile"] : [path];
  }

  /** Where this entry's content should go, when it is a Dockerfile candidate. */
  see(path: string, type: string, size: number): Found | undefined {
    if (this.paths.some((wanted) => parents(wanted).includes(path))) this.parentTypes.set(path, type);
    if (!this.paths.includes(path)) return undefined;
    const found = { type, content: [], tooLarge: size > DOCKERFILE_LIMIT };
    this.found.set(path, found);
    return found;
  }

  dockerfile(): Buffer {
    const path = this.paths.find((candidate) => this.found.has(candidate)) ?? this.path;
    const found = this.found.get(path);
    const refuse = (why: string) => new ApiError("invalid_request", `The build context ${why}.`);
    if (!found)
      throw refuse(`has no Dockerfile at "${this.path}" (the \`dockerfile\` query parameter names it)`);
    const link = parents(path).find(
      (parent) => (this.parentTypes.get(parent) ?? "directory") !== "directory",
    );
    if (link) throw refuse(`reaches its Dockerfile "${path}" through "${link}", which is not a directory`);
    if (found.type !== "file") throw refuse(`has "${path}" as a ${found.type}, not a regular file`);
    if (found.tooLarge) throw refuse(`has a Dockerfile larger than ${mib(DOCKERFILE_LIMIT)}`);
    return Buffer.concat(found.content);
  }
}

/** tar-stream's streams are streamx streams, which Node's `pipeline` does not know the ends of. */
type TarSink = Extract | ReturnType<Pack["entry"]>;

/** Writes every chunk, waiting while the sink's buffer is full; fails when the sink is destroyed meanwhile. */
async function writeAll(sink: TarSink, chunks: AsyncIterable<unknown>, seen = (_chunk: unknown) => {}) {
  const gone = () => new Error("the tar stream was destroyed");
  for await (const chunk of chunks) {
    seen(chunk);
    // A destroyed streamx stream takes writes silently and never drains.
    if (sink.destroyed) throw gone();
    if (sink.write(chunk)) continue;
    await new Promise<void>((resolve, reject) => {
      if (sink.destroyed) return reject(gone());
      const drained = () => {
        sink.off("close", closed);
        resolve();
      };
      const closed = () => {
        sink.off("drain", drained);
        reject(gone());
      };
      sink.once("drain", drained);
      sink.once("close", closed);
    });
  }
}

/**
 * The header to write again. PAX records are dropped but for extended attributes: tar-stream has already
 * applied the path, link and size ones, and the rest (`GNU.sparse.*`) mean something to Go's reader only.
 */
function headerToSend(header: Header): Header {
  const records = typeof header.pax === "object" && header.pax !== null ? Object.entries(header.pax) : [];
  const xattrs = records.filter(([key]) => key.startsWith("SCHILY.xattr."));
  return {
    ...header,
    type: header.type === "contiguous-file" ? "file" : header.type,
    pax: xattrs.length > 0 ? Object.fromEntries(xattrs) : null,
  };
}

/**
 * Writes every entry again, in portcall's own tar: the daemon then reads exactly the entries read here. Passing
 * the upload's bytes on would let a tar that two readers parse differently (PAX records such as
 * `GNU.sparse.name` rename an entry for Go's reader only) show this check one Dockerfile and the daemon another.
 */
async function copyEntries(from: Extract, to: Pack, watch: DockerfileWatch, limit: number): Promise<void> {
  const symlinks = new Set<string>();
  const files = new Set<string>();
  let declared = 0;
  for await (const entry of from) {
    const header = entry.header;
    const path = contextPath(header.name);
    const type: string = header.type === "contiguous-file" ? "file" : (header.type ?? "unknown");
    if (!PASSED_TYPES.has(type)) {
      throw new ApiError(
        "invalid_request",
        `The build context has "${header.name}" of type ${type}: only files, directories and links are taken.`,
      );
    }
    // A hard link may only name a file this archive holds already: anything else is for the daemon to resolve.
    if (type === "link" && !files.has(contextPath(header.linkname ?? ""))) {
      throw new ApiError(
        "invalid_request",
        `The build context's hard link "${header.name}" names "${header.linkname}", which is not a file before it.`,
      );
    }
    if (type === "file") files.add(path);
    else files.delete(path);
    // A declared size past the limit is refused before its bytes are read.
    declared += 512 + Math.ceil((header.size ?? 0) / 512) * 512;
    if (declared > limit) throw tooLarge(DECOMPRESSED, limit);
    const through = parents(path).find((parent) => symlinks.has(parent));
    if (through) {
      throw new ApiError(
        "invalid_request",
        `The build context has "${header.name}" inside the symbolic link "${through}": the daemon would write it where the link points.`,
      );
    }
    if (type === "symlink") symlinks.add(path);
    else symlinks.delete(path);
    const found = watch.see(path, type, header.size ?? 0);
    await new Promise<void>((resolve, reject) => {
      const sink = to.entry(headerToSend(header), (error) => (error ? reject(error) : resolve()));
      sink.on("error", () => {}); // its failure reaches the callback above
      writeAll(sink, entry, (chunk) => {
        if (found && !found.tooLarge && Buffer.isBuffer(chunk)) found.content.push(chunk);
      })
        .then(() => sink.end(null))
        .catch(reject);
    });
  }
  to.finalize();
}

/** Waits for every task; the first failure stops the others, and the error a client should see is thrown. */
async function allOrNothing(tasks: Array<Promise<unknown>>, stop: (error: unknown) => void): Promise<void> {
  const errors: unknown[] = [];
  await Promise.all(
    tasks.map((task) =>
      task.catch((error: unknown) => {
        if (errors.length === 0) stop(error);
        errors.push(error);
      }),
    ),
  );
  if (errors.length > 0) throw errors.find((error) => error instanceof ApiError) ?? errors[0];
}

export type SpoolOptions = {
  /** The Dockerfile's path in the context (the `dockerfile` query parameter). */
  dockerfile: string;
  limit?: number;
  signal?: AbortSignal;
};

/**
 * Reads an uploaded tar context into a private temporary file, decompressed and counted, and finds the
 * Dockerfile in it. Nothing of the upload goes to a daemon before all of it was read and checked; the file is
 * removed when the context is disposed of, or at once when reading fails (a client that leaves included).
 */
export async function spoolTarContext(
  body: ReadableStream<Uint8Array> | null,
  options: SpoolOptions,
): Promise<BuildContext> {
  if (!body) throw new ApiError("invalid_request", "A tar build needs the context as the request body.");
  const limit = options.limit ?? BUILD_CONTEXT_LIMIT;
  const dir = await mkdtemp(join(tmpdir(), "portcall-build-"));
  const file = join(dir, "context.tar");
  const opened = new Set<Readable>();
  // A reader the daemon call never consumed (a host that failed fast) would keep the file open.
  const dispose = async () => {
    for (const reader of opened) reader.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  const open = () => {
    const reader = createReadStream(file);
    opened.add(reader);
    return reader;
  };
  const watch = new DockerfileWatch(contextPath(options.dockerfile));
  const from = extract();
  const to = pack();
  // Their failures reach the tasks below: an `error` event nobody listens to would end the process instead.
  from.on("error", () => {});
  to.on("error", () => {});
  const upload = Readable.fromWeb(body);
  const leave = () => upload.destroy(new Error("the client left during the upload"));
  options.signal?.addEventListener("abort", leave, { once: true });
  if (options.signal?.aborted) leave();
  try {
    await allOrNothing(
      [
        pipeline(
          upload,
          byteLimit(limit, "The upload"),
          decompressed,
          byteLimit(limit, DECOMPRESSED),
          async (plain: AsyncIterable<Buffer>) => {
            await writeAll(from, plain);
            from.end(null);
          },
        ),
        copyEntries(from, to, watch, limit),
        pipeline(Readable.from(to), createWriteStream(file, { flags: "wx", mode: 0o600 })),
      ],
      (error) => {
        from.destroy(error instanceof Error ? error : undefined);
        to.destroy(error instanceof Error ? error : undefined);
      },
    ).catch((error: unknown) => {
      if (error instanceof ApiError || options.signal?.aborted) throw error;
      throw new ApiError(
        "invalid_request",
        `The build context is not a readable tar archive: ${String(error)}`,
      );
    });
    await refuseCompressedLooking(file);
    return { dockerfile: watch.dockerfile(), open, dispose };
  } catch (error) {
    await dispose();
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", leave);
  }
}

/**
 * The daemon unpacks what it is sent once more if its first bytes look compressed; a tar's first bytes are the
 * first entry's name, which a client chooses.
 */
async function refuseCompressedLooking(file: string): Promise<void> {
  const handle = await openFile(file, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(MAGIC_BYTES), 0, MAGIC_BYTES, 0);
    if (compressionOf(buffer.subarray(0, bytesRead))) {
      throw new ApiError(
        "invalid_request",
        "The build context's first entry has a name that reads as compressed data.",
      );
    }
  } finally {
    await handle.close();
  }
}
