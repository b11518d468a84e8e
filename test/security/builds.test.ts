import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGzip, gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { contextFromFiles } from "../../src/docker/build-context.js";
import { startTarget, type Target } from "../support/attack.js";
import { readJson } from "../support/http.js";
import { describeWithRig, ensureImage, rig, rigDocker } from "../support/rig.js";

const run = promisify(execFile);
const MIB = 1024 * 1024;
const BUILD_MEMORY = 300 * MIB;
const SECRET = `secret-${randomUUID()}`;

/** A service only the daemon's machine can reach: bound to one address, counting every request it gets. */
async function listener(address: string) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.end(`${SECRET}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const where = server.address();
  const port = typeof where === "object" && where ? where.port : 0;
  return { url: `http://${address}:${port}`, requests, close: () => server.close() };
}

type Sink = { write(chunk: Buffer): boolean; once(event: "drain", listener: () => void): unknown };

/** Writes zeros a MiB at a time, at the pace the sink takes them: they never sit in memory at once. */
async function zeros(sink: Sink, bytes: number) {
  const chunk = Buffer.alloc(MIB);
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once("drain", resolve));
  }
}

/** A small gzip of a large tar: its Dockerfile, then a file of `bytes` zeros. */
async function zeroBomb(bytes: number): Promise<Buffer> {
  const archive = pack();
  const gzipped = buffer(Readable.from(archive).pipe(createGzip({ level: 9 })));
  archive.entry({ name: "Dockerfile" }, `FROM ${rig().images.busybox}\n`);
  const entry = archive.entry({ name: "zeros", size: bytes });
  await zeros(entry, bytes);
  entry.end(null);
  archive.finalize();
  return gzipped;
}

async function gzippedZeros(bytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const gzipped = buffer(gzip);
  await zeros(gzip, bytes);
  gzip.end();
  return gzipped;
}

async function bytesUnder(path: string): Promise<number> {
  const { stdout } = await run("du", ["-sb", path]).catch(() => ({ stdout: "0" }));
  return Number(stdout.split(/\s/)[0]);
}

describeWithRig("attacks through builds", () => {
  let target: Target;
  let secret: Awaited<ReturnType<typeof listener>>;
  let onGateway: Awaited<ReturnType<typeof listener>>;
  let spool: string;
  /** `images:build` with the repository grant a build's tags need, and no build grant. */
  let builder: string;
  /** What portcall left in its temporary folder (tsx keeps a cache there too). */
  const spooled = async () => (await readdir(spool)).filter((name) => name.startsWith("portcall-build-"));
  const rig1 = () => rig().daemons.rig1 ?? expect.unreachable("the rig has no rig1");
  const tags: string[] = [];
  const tag = () => {
    tags.push(`${rig().registry.address}/attack/build-${randomUUID().slice(0, 8)}:1`);
    return tags.at(-1) ?? "";
  };
  const mint = (build?: Record<string, boolean>) =>
    target.mint(`builder-${randomUUID()}`, ["images:build", "images:read"], ["*"], {
      images: ["*"],
      ...(build ? { build } : {}),
    });

  /** A JSON build, streamed: the status, the build's output and, on a refusal, the problem. */
  async function build(token: string, dockerfile: string, extra: Record<string, unknown> = {}, query = "") {
    const image = tag();
    const res = await target.as(token, `/v1/hosts/local/images/build${query}`, {
      method: "POST",
      headers: { Accept: "application/x-ndjson" },
      body: JSON.stringify({ dockerfile, tags: [image], ...extra }),
    });
    if (res.status !== 200) return { status: res.status, problem: await readJson(res), output: "", image };
    const events = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const output = events.map((event) => event.line ?? JSON.stringify(event)).join("\n");
    return { status: events.at(-1)?.type === "result" ? 200 : 422, problem: events.at(-1), output, image };
  }

  async function upload(token: string, body: Buffer, query = "") {
    return target.as(token, `/v1/hosts/local/images/build?tag=${encodeURIComponent(tag())}${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-tar" },
      body,
    });
  }

  const imageExists = (image: string) =>
    rigDocker("rig1")
      .getImage(image)
      .inspect()
      .then(() => true)
      .catch(() => false);

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    secret = await listener("127.0.0.1");
    onGateway = await listener(rig1().gateway);
    spool = await mkdtemp(join(tmpdir(), "portcall-build-spool-"));
    target = await startTarget({
      DOCKER_HOST: rig1().dockerHost,
      PORTCALL_BUILD_MEMORY_BYTES: String(BUILD_MEMORY),
      PORTCALL_BUILD_CPUS: "0.5",
      TMPDIR: spool,
    });
    builder = await mint();
  });
  afterAll(async () => {
    const docker = rigDocker("rig1");
    await Promise.all(
      tags.map((image) =>
        docker
          .getImage(image)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
    await target?.discard();
    secret?.close();
    onGateway?.close();
    await rm(spool, { recursive: true, force: true });
  });

  it("a token that may pull and push images cannot build: builds have a scope of their own", async () => {
    const writer = await target.mint("writer", ["images:write"], ["*"], { images: ["*"] });
    const res = await build(writer, `FROM ${rig().images.busybox}\n`);
    expect(res.status).toBe(403);
    expect(res.problem.code).toBe("insufficient_scope");
    expect(await imageExists(res.image)).toBe(false);
  });

  it("a build cannot fetch a URL only the daemon's machine can reach", async () => {
    const url = `${secret.url}/secret`;
    const from = `FROM ${rig().images.busybox}`;
    const variants: Array<[string, string, Record<string, unknown>?]> = [
      ["plain", `${from}\nADD ${url} /s\n`],
      ["lowercase instruction", `${from}\nadd ${url} /s\n`],
      ["scheme in capitals", `${from}\nADD ${url.replace("http://", "HTTP://")} /s\n`],
      ["JSON form", `${from}\nADD ["${url}", "/s"]\n`],
      ["a flag first", `${from}\nADD --chown=1:1 ${url} /s\n`],
      ["line continuation", `${from}\nADD \\\n  # a comment inside\n  ${url} \\\n  /s\n`],
      ["continuation inside the name", `${from}\nAD\\\nD ${url} /s\n`],
      ["backtick escape directive", `# escape=\`\n${from}\nADD \`\n  ${url} /s\n`],
      ["ONBUILD", `${from}\nONBUILD ADD ${url} /s\n`],
      ["a variable", `${from}\nARG URL\nADD $URL /s\n`, { buildArgs: { URL: url } }],
      ["a variable in braces", `${from}\nARG URL\nADD \${URL} /s\n`, { buildArgs: { URL: url } }],
      ["git URL", `${from}\nADD git://127.0.0.1:${new URL(url).port}/repo.git /s\n`],
      ["git remote", `${from}\nADD git@127.0.0.1:team/repo.git /s\n`],
    ];
    for (const [name, dockerfile, extra] of variants) {
      const res = await build(builder, dockerfile, extra);
      expect(res.status, name).toBe(403);
      expect(res.problem.code, name).toBe("policy_denied");
      expect(res.problem.detail, name).toMatch(/Dockerfile line \d+: ADD .*remoteSources: true/);
      if (name.startsWith("a variable")) expect(res.problem.detail).toMatch(/use COPY, or a literal path/);
      expect(await imageExists(res.image), name).toBe(false);
    }
    // The same Dockerfile in an uploaded context, gzipped.
    const tar = await buffer(contextFromFiles(`${from}\nADD ${url} /s\n`, {}));
    const uploaded = await upload(builder, gzipSync(tar));
    expect(uploaded.status).toBe(403);
    expect((await readJson(uploaded)).code).toBe("policy_denied");
    expect(secret.requests).toEqual([]);
  });

  it("a build cannot have the daemon fetch its context from a URL either", async () => {
    const res = await build(
      builder,
      `FROM ${rig().images.busybox}\n`,
      {},
      `?remote=${encodeURIComponent(secret.url)}`,
    );
    // The query parameter is not one the route takes: refused by name, it never reaches the daemon.
    expect(res.status).toBe(400);
    expect(res.problem).toMatchObject({
      code: "invalid_request",
      errors: [{ location: "query", path: "remote" }],
    });
    expect(secret.requests).toEqual([]);
  });

  it("with the remoteSources grant the same build fetches the URL", async () => {
    const res = await build(
      await mint({ remoteSources: true }),
      `FROM ${rig().images.busybox}\nADD ${secret.url}/granted /s\nRUN cat /s # ${randomUUID()}\n`,
    );
    expect(res.status).toBe(200);
    expect(res.output).toContain(SECRET);
    expect(secret.requests).toContain("/granted");
  });

  it("a build's RUN steps have no network and the build's memory limit", async () => {
    const probe = (marker: string) =>
      `FROM ${rig().images.busybox}\nRUN echo ${marker}; ` +
      `echo "IFACES:$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"; ` +
      'echo "MEM:$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; ' +
      'echo "CPU:$(cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"; ' +
      // busybox nc, not wget: the rig's static busybox wget crashes on any URL.
      `if printf 'GET /${marker} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${onGateway.url.slice("http://".length).replace(":", " ")}; ` +
      'then REACHED=yes; else REACHED=no; fi; echo "REACHED=$REACHED"\n';

    const sandboxed = await build(builder, probe(`sandboxed-${randomUUID()}`));
    expect(sandboxed.status).toBe(200);
    expect(sandboxed.output).toMatch(/IFACES:lo \n/);
    expect(sandboxed.output).toContain(`MEM:${BUILD_MEMORY}`);
    expect(sandboxed.output).toMatch(/CPU:50000\b/);
    expect(sandboxed.output).toContain("REACHED=no");
    expect(onGateway.requests).toEqual([]);

    const marker = `granted-${randomUUID()}`;
    const networked = await build(await mint({ network: true }), probe(marker));
    expect(networked.status).toBe(200);
    expect(networked.output).toMatch(/IFACES:.*eth0/);
    expect(networked.output).toContain("REACHED=yes");
    expect(networked.output).toContain(`MEM:${BUILD_MEMORY}`);
    expect(onGateway.requests).toEqual([`/${marker}`]);
  });

  it("a gzipped tar of zeros cannot fill the daemon's disk", async () => {
    const daemonTmp = join(rig1().dataRoot, "tmp");
    const before = await bytesUnder(daemonTmp);
    const oneFile = await zeroBomb(300 * MIB);
    // Zeros after the end of the archive, in a second gzip member: nothing a header declares, only bytes to count.
    const archiveEnd = await buffer(contextFromFiles(`FROM ${rig().images.busybox}\n`, {}));
    const padded = Buffer.concat([gzipSync(archiveEnd), await gzippedZeros(300 * MIB)]);
    for (const bomb of [oneFile, padded]) {
      expect(bomb.length).toBeLessThan(2 * MIB);
      const res = await upload(builder, bomb);
      expect(res.status).toBe(413);
      expect((await readJson(res)).code).toBe("payload_too_large");
      expect(await imageExists(tags.at(-1) ?? "")).toBe(false);
    }
    expect(await bytesUnder(daemonTmp)).toBeLessThan(before + 64 * MIB);
    expect(await spooled()).toEqual([]);

    for (const [name, magic] of [
      ["bzip2", [0x42, 0x5a, 0x68, 0x39]],
      ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
      ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
    ] as const) {
      const res = await upload(builder, Buffer.concat([Buffer.from(magic), Buffer.alloc(4096)]));
      expect(res.status, name).toBe(415);
      const problem = await readJson(res);
      expect(problem.code).toBe("unsupported_media_type");
      expect(problem.detail).toMatch(/plain or gzipped tar/);
    }
  });

  it("a client that leaves in the middle of an upload leaves nothing on portcall's disk", async () => {
    const { hostname, port } = new URL(target.url);
    const req = request({
      host: hostname,
      port,
      method: "POST",
      path: `/v1/hosts/local/images/build?tag=${encodeURIComponent(tag())}`,
      headers: { Authorization: `Bearer ${builder}`, "Content-Type": "application/x-tar" },
    });
    req.on("error", () => {});
    const archive = pack();
    archive.entry({ name: "Dockerfile" }, `FROM ${rig().images.busybox}\n`);
    const entry = archive.entry({ name: "data", size: 64 * MIB });
    const sending = pipeline(Readable.from(archive), req).catch(() => {});
    await zeros(entry, 8 * MIB);
    await expect.poll(spooled, { timeout: 10_000 }).toHaveLength(1);
    req.destroy();
    archive.destroy();
    await sending;
    await expect.poll(spooled, { timeout: 10_000 }).toEqual([]);
  });

  it("a tar context without its Dockerfile is refused, naming it, before the daemon sees it", async () => {
    const tar = await buffer(contextFromFiles(`FROM ${rig().images.busybox}\n`, {}));
    const res = await upload(builder, tar, "&dockerfile=ci/Build.df");
    expect(res.status).toBe(400);
    const problem = await readJson(res);
    expect(problem.code).toBe("invalid_request");
    expect(problem.detail).toContain('"ci/Build.df"');
    // Two zero blocks: an empty archive.
    const empty = await upload(builder, Buffer.alloc(1024));
    expect(empty.status).toBe(400);
    expect((await readJson(empty)).detail).toContain('"Dockerfile"');
  });

  it("a build context cannot hand the daemon its host's devices, a FIFO that hangs it, or a link to a file it lacks", async () => {
    const entries: Array<[string, Record<string, unknown>]> = [
      ["block device 7:0 (a loop disk)", { type: "block-device", devmajor: 7, devminor: 0 }],
      ["character device 1:1 (/dev/mem)", { type: "character-device", devmajor: 1, devminor: 1 }],
      ["FIFO", { type: "fifo" }],
      ["hard link to a file not in the context", { type: "link", linkname: "etc/hostname" }],
      ["hard link out of the context", { type: "link", linkname: "../../../etc/shadow" }],
    ];
    for (const [what, header] of entries) {
      const archive = pack();
      archive.entry({ name: "x", mode: 0o600, ...header });
      archive.entry({ name: "Dockerfile" }, `FROM ${rig().images.busybox}\nADD x /out/\nCOPY x /x\n`);
      archive.finalize();
      const res = await upload(builder, await buffer(Readable.from(archive)));
      expect(res.status, what).toBe(400);
      expect((await readJson(res)).code, what).toBe("invalid_request");
      expect(await imageExists(tags.at(-1) ?? ""), what).toBe(false);
    }
    // A hard link to a file the archive holds is an ordinary context.
    const archive = pack();
    archive.entry({ name: "a.txt" }, "hello\n");
    archive.entry({ name: "b.txt", type: "link", linkname: "a.txt" });
    archive.entry({ name: "Dockerfile" }, `FROM ${rig().images.busybox}\nCOPY b.txt /b.txt\n`);
    archive.finalize();
    expect((await upload(builder, await buffer(Readable.from(archive)))).status).toBe(200);
  });
});
