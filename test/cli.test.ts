import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJson } from "./support/http.js";
import { describeWithRig, rig } from "./support/rig.js";
import {
  cliToken,
  portcallCli,
  portcallCliStreams,
  type RunningServer,
  startServer,
} from "./support/server.js";

describe("the portcall command's data folder", () => {
  let parent: string;
  const settings = (dataDir: string) => ({
    PORTCALL_DATA_DIR: dataDir,
    DOCKER_HOST: "unix:///nonexistent.sock",
  });
  /** The command's failure: its exit code and what it printed. */
  const refusal = (env: Record<string, string>, ...args: string[]) =>
    portcallCliStreams(env, ...args).then(
      () => expect.fail(`portcall ${args.join(" ")} succeeded`),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "portcall-cli-folder-"));
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it("refuses to make a token in a data folder that does not exist, naming it and PORTCALL_DATA_DIR, and creates nothing", async () => {
    const dataDir = join(parent, "typo");
    const failed = await refusal(settings(dataDir), "token", "create", "--name", "me", "--scope", "admin");
    expect(failed).toMatchObject({ code: 1, stdout: "" });
    expect(failed.stderr).toContain(`portcall: data folder ${dataDir}\n`);
    expect(failed.stderr).toContain(`portcall: the data folder ${dataDir} does not exist`);
    expect(failed.stderr).toMatch(/Set PORTCALL_DATA_DIR to the server's data folder.*add --init/s);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("refuses an existing folder without a signing key just as well, for any command that opens it", async () => {
    const dataDir = join(parent, "empty");
    await mkdir(dataDir);
    const failed = await refusal(settings(dataDir), "hosts", "list");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      `the data folder ${dataDir} has no signing key (signing-key.pem) and no store (portcall.db)`,
    );
    expect(await readdir(dataDir)).toEqual([]);
  });

  it("starts a new data folder with --init, printing only the token on stdout, and needs no --init after", async () => {
    const dataDir = join(parent, "new");
    const env = settings(dataDir);
    const made = await portcallCliStreams(
      env,
      "token",
      "create",
      "--init",
      "--name",
      "me",
      "--scope",
      "admin",
    );
    expect(made.stdout.trim().split(".")).toHaveLength(3);
    expect(made.stderr).toContain(`portcall: data folder ${dataDir}\n`);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(["signing-key.pem", "portcall.db"]));
    const listed = await portcallCliStreams(env, "token", "list");
    expect(listed.stderr).toContain(`portcall: data folder ${dataDir}\n`);
    expect(JSON.parse(listed.stdout).map((t: { name: string }) => t.name)).toEqual(["me"]);
  });
});

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
