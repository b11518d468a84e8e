import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readJson } from "./support/http.js";
import { describeWithRig, rig } from "./support/rig.js";
import { cliToken, portcallCli, type RunningServer, startServer } from "./support/server.js";

describeWithRig("the portcall command", () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: RunningServer;
  const cli = (...args: string[]) => portcallCli(env, ...args);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "portcall-cli-"));
    env = { PORTCALL_DATA_DIR: dataDir, DOCKER_HOST: "unix:///nonexistent.sock" };
    server = await startServer(env);
  });
  afterAll(async () => {
    server.child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  });

  it("makes a token in the data folder that the running server accepts, and revokes it for the next request", async () => {
    const token = await cliToken(
      env,
      "--name",
      "bot",
      "--scope",
      "hosts:read",
      "--hosts",
      "build-*",
      "--ttl",
      "1h",
    );
    expect(token.split(".")).toHaveLength(3);
    const headers = { Authorization: `Bearer ${token}` };
    expect((await server.api("/v1/hosts", { headers })).status).toBe(200);

    const listed = JSON.parse(await cli("token", "list")) as Array<{ id: string; name: string }>;
    const bot = listed.find((t) => t.name === "bot");
    expect(bot).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(token);

    await cli("token", "revoke", bot?.id ?? "");
    const res = await server.api("/v1/hosts", { headers });
    expect(res.status).toBe(401);
    expect((await readJson(res)).detail).toMatch(/revoked/);
  });

  it("registers, lists and removes hosts through the same checks as the API", async () => {
    await cli("hosts", "add", "cli-host", rig().daemons.rig1?.dockerHost ?? "", "--label", "pool=build");
    expect(JSON.parse(await cli("hosts", "list"))).toEqual([
      { id: "cli-host", url: rig().daemons.rig1?.dockerHost, labels: { pool: "build" }, source: "api" },
    ]);
    await expect(cli("hosts", "add", "bad", "tcp://192.0.2.1:2375", "--insecure")).rejects.toMatchObject({
      stderr: expect.stringContaining("insecure: is only allowed for a loopback address"),
    });
    await cli("hosts", "rm", "cli-host");
    expect(JSON.parse(await cli("hosts", "list"))).toEqual([]);
  });

  it("prints the OpenAPI document", async () => {
    expect(JSON.parse(await cli("openapi")).openapi).toBe("3.1.0");
  });
});
