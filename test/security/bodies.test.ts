import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTarget, type Target } from "../support/attack.js";
import type { Json } from "../support/http.js";
import { describeWithRig } from "../support/rig.js";

const MiB = 1024 * 1024;

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? 0) * 1024;
}

const run = promisify(execFile);

/**
 * curl streams `bytes` of zeros as the body and reads the answer while it still sends, as HTTP clients that
 * upload do; a server that refuses early closes the connection under the upload.
 */
async function upload(
  target: Target,
  path: string,
  headers: Record<string, string>,
  bytes: number,
): Promise<Answer> {
  const flags = Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const script = `head -c ${bytes} /dev/zero | curl -sS -X POST -T - -w '\\n%{http_code}' "$@"`;
  const { stdout } = await run("bash", ["-c", script, "upload", ...flags, `${target.url}${path}`]);
  const lines = stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join("\n") || "null") };
}

type Answer = { status: number; body: Json };

/**
 * POSTs on a connection of its own and resolves with the answer as soon as it comes, then stops sending: a
 * server that refuses early closes the connection under an upload that is still going.
 */
function send(target: Target, path: string, headers: Record<string, string>, body: string | Uint8Array) {
  return new Promise<Answer>((resolve, reject) => {
    let answered = false;
    const req = request(`${target.url}${path}`, { method: "POST", headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"),
        });
      });
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.end(body);
  });
}

describeWithRig("request bodies", () => {
  let target: Target;
  let minter: string;
  beforeAll(async () => {
    target = await startTarget();
    minter = await target.mint("minter", ["tokens:write", "hosts:read"], ["*"]);
  });
  afterAll(() => target.discard());

  it("a large body with a tar-looking content type is not read before the caller is known", async () => {
    const pid = target.child.pid ?? 0;
    const before = rssBytes(pid);
    for (const type of ["application/x-tar+json", "application/x-tar", "application/json"]) {
      const res = await upload(target, "/v1/tokens", { "Content-Type": type }, 200 * MiB);
      expect(res.status, type).toBe(401);
      expect(res.body.code).toBe("invalid_token");
    }
    expect(rssBytes(pid) - before).toBeLessThan(64 * MiB);
  });

  it("a body whose content type only resembles JSON is refused, naming what to send", async () => {
    const body = JSON.stringify({ name: "x", scopes: ["hosts:read"], hosts: ["*"], ttl: "10m" });
    for (const type of [
      "application/x-tar+json",
      "application/merge-patch+json",
      "application/jsonx",
      "text/plain",
      "application/json; charset=latin1",
      "application/json, application/x-tar",
    ]) {
      const res = await send(
        target,
        "/v1/tokens",
        { "Content-Type": type, Authorization: `Bearer ${minter}` },
        body,
      );
      expect(res.status, type).toBe(415);
      expect(res.body.detail, type).toContain("Send Content-Type: application/json");
    }
    for (const type of ["application/json", "Application/JSON", "application/json; charset=UTF-8"]) {
      const res = await send(
        target,
        "/v1/tokens",
        { "Content-Type": type, Authorization: `Bearer ${minter}` },
        body,
      );
      expect(res.status, type).toBe(201);
    }
  });

  it("a JSON body over 1 MiB is cut off, with or without a declared length", async () => {
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${minter}` };
    const declared = await send(target, "/v1/tokens", headers, `{"name":"${"a".repeat(2 * MiB)}"}`);
    expect(declared.status).toBe(413);
    const chunked = await upload(target, "/v1/tokens", headers, 64 * MiB);
    expect(chunked.status).toBe(413);
  });

  it("a tar body is refused by every operation but a build", async () => {
    const res = await send(
      target,
      "/v1/tokens",
      { "Content-Type": "application/x-tar", Authorization: `Bearer ${minter}` },
      new Uint8Array(64 * 1024),
    );
    expect(res.status).toBe(415);
  });

  it("a duplicated key is refused only once the caller is known", async () => {
    const body = '{"name":"a","name":"b"}';
    const anonymous = await send(target, "/v1/tokens", { "Content-Type": "application/json" }, body);
    expect(anonymous.status).toBe(401);
    const known = await send(
      target,
      "/v1/tokens",
      { "Content-Type": "application/json", Authorization: `Bearer ${minter}` },
      body,
    );
    expect(known.status).toBe(400);
    expect(known.body.detail).toContain('"name" twice');
  });
});
