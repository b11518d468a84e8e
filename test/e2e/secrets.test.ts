import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithRig } from "../support/rig.js";
import { type RunningServer, startServer } from "../support/server.js";
import { transportHosts } from "../support/transports.js";

/** The base64 lines of a PEM or OpenSSH private key: any of them found anywhere means the key leaked. */
function keyLines(pem: string): string[] {
  return pem
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith("-----"));
}

describeWithRig("private keys given to portcall", () => {
  let dataDir: string;
  let server: RunningServer;
  const responses: string[] = [];

  const call = async (path: string, init?: RequestInit) => {
    const res = await server.api(`${path}`, init);
    const text = await res.text();
    responses.push(text);
    return { status: res.status, text };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "portcall-e2e-secrets-"));
    server = await startServer({
      PORTCALL_DATA_DIR: dataDir,
      DOCKER_HOST: "unix:///nonexistent.sock",
      PORTCALL_LOG_LEVEL: "debug",
    });
  });
  afterAll(async () => {
    server.child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  });

  it("never appear in the data folder, the log or any API response", async () => {
    const { tls, ssh } = await transportHosts();
    const secrets = [...keyLines(tls.tls?.key ?? ""), ...keyLines(ssh.ssh?.privateKey ?? "")];
    expect(secrets.length).toBeGreaterThan(2);

    for (const host of [tls, ssh]) {
      const body = JSON.stringify(host);
      const post = { method: "POST", headers: { "Content-Type": "application/json" }, body };
      expect((await call("/v1/hosts", post)).status).toBe(201);
      // A second registration fails: error responses are checked too.
      expect((await call("/v1/hosts", post)).status).toBe(409);
      expect((await call(`/v1/hosts/${host.id}`)).status).toBe(200);
      expect((await call(`/v1/hosts/${host.id}/info`)).status).toBe(200);
      const patch = {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "x" }),
      };
      expect((await call(`/v1/hosts/${host.id}`, patch)).status).toBe(200);
    }
    expect((await call("/v1/hosts")).status).toBe(200);
    expect((await call("/readyz")).status).toBe(200);

    const files = await readdir(dataDir);
    expect(files).toEqual(expect.arrayContaining(["portcall.db", "secret.key", "signing-key.pem"]));
    // portcall's own keys are files of their own (0600); everything else must hold no private key in clear.
    const others = files.filter((file) => file !== "secret.key" && file !== "signing-key.pem");
    const stored = await Promise.all(others.map((file) => readFile(join(dataDir, file), "latin1")));
    const everything = [...stored, server.log.join("\n"), ...responses].join("\n");
    expect(everything).not.toContain("PRIVATE KEY");
    // Nor does the bearer token every request carried.
    expect(everything).not.toContain(server.token.split(".")[2]);
    for (const line of secrets) expect(everything).not.toContain(line);
  });
});
