import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { Ajv } from "ajv";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Json, readJson } from "../../support/http.js";
import {
  describeWithRig,
  dockerCli,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  rigHost,
  testLabel,
} from "../../support/rig.js";
import { type FreshServer, startFreshServer } from "../../support/server.js";

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
  structuredContent?: Json;
};

describeWithRig("chat bots drive the fleet over MCP", () => {
  const label = testLabel();
  let server: FreshServer;
  let admin: Client;
  const clients: Client[] = [];
  let outputSchemas: Map<string, object>;
  const ajv = new Ajv({ strict: false, validateFormats: false });

  const mint = async (body: Json): Promise<string> => {
    const res = await server.api("/v1/tokens", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: `bot-${randomUUID().slice(0, 6)}`, ttl: "1h", ...body }),
    });
    expect(res.status).toBe(201);
    return (await readJson(res)).token;
  };
  const connect = async (token: string): Promise<Client> => {
    const client = new Client({ name: "portcall-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  /** A tool call whose structured result, when it has one, is checked against the tool's declared schema. */
  const call = async (client: Client, name: string, args: Json): Promise<ToolResult> => {
    const result = (await client.callTool({ name, arguments: args })) as ToolResult;
    if (result.structuredContent) {
      const validate = ajv.compile(outputSchemas.get(name) ?? {});
      expect(validate(result.structuredContent), JSON.stringify(validate.errors)).toBe(true);
    }
    return result;
  };
  const problemOf = (result: ToolResult): Json => JSON.parse(result.content[1]?.text ?? "{}");
  /** `docker run` on rig1 of a container this suite cleans up, named `name`. */
  const dockerRun = (name: string, ...args: string[]) =>
    dockerCli("rig1", "run", "--name", name, "--label", `${label.key}=${label.value}`, ...args);

  beforeAll(async () => {
    await ensureImage(rigDocker("rig1"), rig().images.busybox);
    server = await startFreshServer();
    for (const host of [rigHost("rig1"), rigHost("rig2")]) {
      const res = await server.api("/v1/hosts", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(host),
      });
      expect(res.status).toBe(201);
    }
    admin = await connect(server.token);
    const { tools } = await admin.listTools();
    outputSchemas = new Map(tools.map((tool) => [tool.name, tool.outputSchema ?? {}]));
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await removeLabelled(rigDocker("rig1"), label.filter);
    await server?.discard();
  });

  it("initializes with the latest protocol version and names itself", async () => {
    expect(admin.getServerVersion()?.name).toBe("portcall");
    expect(admin.getServerCapabilities()?.tools).toBeDefined();
    expect(admin.getInstructions()).toContain("list_hosts");
    // The SDK negotiated the version; a client of the newest one got it.
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${server.token}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect((await readJson(res)).result.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
  });

  it("lists every tool to an admin, each with an input and an output schema and truthful hints", async () => {
    const { tools } = await admin.listTools();
    const names = tools.map((tool) => tool.name);
    for (const name of [
      "list_hosts",
      "run_container",
      "get_container_logs",
      "exec_container",
      "pull_image",
      "list_recent_events",
      "remove_container",
    ]) {
      expect(names).toContain(name);
    }
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.description?.length).toBeGreaterThan(40);
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get("list_containers")?.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
    });
    expect(byName.get("remove_container")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
    });
    expect(byName.get("run_container")?.annotations).toMatchObject({
      readOnlyHint: false,
      openWorldHint: true,
    });
  });

  it("shows a containers:read token only the tools it may call, none of them writes", async () => {
    const reader = await connect(await mint({ scopes: ["containers:read"], hosts: ["*"] }));
    const { tools } = await reader.listTools();
    const names = tools.map((tool) => tool.name).sort();
    expect(names).toContain("list_containers");
    expect(names).toContain("get_container_logs");
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      expect(tool.inputSchema).toBeDefined();
      expect(tool.outputSchema).toBeDefined();
    }
    for (const write of ["run_container", "remove_container", "exec_container", "pull_image", "list_hosts"]) {
      expect(names).not.toContain(write);
    }
    // Calling a tool it was not shown is an error result, not a protocol error.
    const refused = await call(reader, "remove_container", { host: "rig1", id: "anything" });
    expect(refused.isError).toBe(true);
    expect(problemOf(refused).code).toBe("insufficient_scope");
  });

  it("runs a container in one call and answers with its exit code and output", async () => {
    const result = await call(admin, "run_container", {
      host: "rig1",
      image: rig().images.busybox,
      cmd: ["sh", "-c", "echo hello from mcp; exit 3"],
      labels: { [label.key]: label.value },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: "exited", exitCode: 3, host: "rig1" });
    expect(result.structuredContent.output.stdout).toContain("hello from mcp");
    expect(result.content[0]?.text).toMatch(/exit code 3/);
  });

  it("reports a run's progress when asked, and a run that outlives the call comes back with how to wait for it", async () => {
    const notes: string[] = [];
    const result = (await admin.callTool(
      {
        name: "run_container",
        arguments: {
          host: "rig1",
          image: rig().images.busybox,
          cmd: ["sleep", "3"],
          timeoutSeconds: 1,
          labels: { [label.key]: label.value },
        },
      },
      undefined,
      { onprogress: (note) => notes.push(note.message ?? "") },
    )) as ToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.status).toBe("running");
    expect(result.content[0]?.text).toMatch(/call wait_run with id "run_/);
    expect(notes.some((note) => note.startsWith("Starting on host rig1"))).toBe(true);
    expect(notes.some((note) => /started; waiting up to 1 s/.test(note))).toBe(true);
    const ended = await call(admin, "wait_run", { id: result.structuredContent.id, timeoutSeconds: 30 });
    expect(ended.structuredContent).toMatchObject({ status: "exited", exitCode: 0 });
  });

  it("cuts a long log tail at the byte limit and says how to get the rest", async () => {
    const name = `mcp-logs-${randomUUID().slice(0, 8)}`;
    await dockerRun(
      name,
      rig().images.busybox,
      "sh",
      "-c",
      'i=0; while [ $i -lt 3000 ]; do echo "line $i of a log that is long enough to need cutting"; i=$((i+1)); done',
    );
    const result = await call(admin, "get_container_logs", { host: "rig1", id: name, tail: 3000 });
    expect(result.isError).toBeFalsy();
    const { lines, truncated } = result.structuredContent;
    expect(truncated.omitted).toBeGreaterThan(0);
    expect(truncated.hint).toMatch(/tail|until/);
    expect(lines.length + truncated.omitted).toBe(3000);
    // A tail keeps the end: the newest line is there.
    expect(lines.at(-1).line).toBe("line 2999 of a log that is long enough to need cutting");
    expect(Buffer.byteLength(JSON.stringify(result.structuredContent))).toBeLessThanOrEqual(32 * 1024);
    expect(result.content[0]?.text).toMatch(/Cut to fit/);
  });

  it("refuses a bind of /etc as policy_denied, saying what would allow it", async () => {
    const result = await call(admin, "run_container", {
      host: "rig1",
      image: rig().images.busybox,
      cmd: ["cat", "/host/passwd"],
      mounts: [{ type: "bind", source: "/etc", target: "/host" }],
    });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^policy_denied: /);
    expect(problemOf(result)).toMatchObject({ code: "policy_denied", status: 403 });
    expect(problemOf(result).nextStep).toMatch(/grant/);
  });

  it("refuses a host outside the token's grants as if it did not exist", async () => {
    const narrow = await connect(await mint({ scopes: ["containers:read"], hosts: ["rig1"] }));
    const refused = await call(narrow, "list_containers", { host: "rig2" });
    expect(refused.isError).toBe(true);
    expect(problemOf(refused).code).toBe("host_not_found");
    const fleet = await call(narrow, "list_fleet_containers", {});
    expect(fleet.structuredContent.items.every((item: Json) => item.host === "rig1")).toBe(true);
  });

  it("answers a call without a token with 401 and where the resource metadata is", async () => {
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1] ?? "";
    expect(metadataUrl).toBe(`${server.url}/.well-known/oauth-protected-resource`);
    const metadata = await readJson(await fetch(metadataUrl));
    expect(metadata.resource).toBe(`${server.url}/mcp`);
    expect(metadata.bearer_methods_supported).toEqual(["header"]);
    expect(metadata.scopes_supported).toContain("containers:read");

    const bad = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { Authorization: "Bearer not-a-token", "Content-Type": "application/json" },
      body: "{}",
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/resource_metadata=.*error="invalid_token"/);
  });

  it("leaves the same audit entry for a run through REST and through MCP, but for the channel", async () => {
    const spec = {
      host: "rig1",
      image: rig().images.busybox,
      cmd: ["true"],
      labels: { [label.key]: label.value },
    };
    const rest = await server.api("/v1/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(spec),
    });
    expect(rest.status).toBe(201);
    const viaMcp = await call(admin, "run_container", spec);
    expect(viaMcp.isError).toBeFalsy();
    const { items } = await readJson(await server.api("/v1/audit?limit=20"));
    const runs = items.filter((entry: Json) => entry.operationId === "createRun");
    const [mcpEntry, restEntry] = [
      runs.find((e: Json) => e.channel === "mcp"),
      runs.find((e: Json) => e.channel === "rest"),
    ];
    expect(mcpEntry.target).toBe(viaMcp.structuredContent.id);
    expect(restEntry.target).toBe((await readJson(rest)).id);
    const same = ({ id: _i, time: _t, requestId: _r, target: _g, channel: _c, ...rest }: Json) => rest;
    expect(same(mcpEntry)).toEqual(same(restEntry));
    expect(same(mcpEntry)).toMatchObject({
      method: "POST",
      path: "/v1/runs",
      status: 201,
      outcome: "allowed",
    });
  });

  it("reports a pull's progress to a client that asked for it, then answers with the image", async () => {
    // An image only a real pull brings: pushed to the rig registry and removed from the host again.
    const image = `${rig().registry.address}/portcall/mcp-${randomUUID().slice(0, 8)}:1`;
    await dockerCli("rig1", "tag", rig().images.busybox, image);
    await dockerCli("rig1", "push", image);
    await dockerCli("rig1", "rmi", image);
    const notes: Array<{ progress: number; message?: string }> = [];
    const result = (await admin.callTool(
      { name: "pull_image", arguments: { host: "rig1", image } },
      undefined,
      {
        onprogress: (note) => notes.push(note),
      },
    )) as ToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.repoTags).toContain(image);
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.map((note) => note.progress)).toEqual(notes.map((_, index) => index + 1));
    await dockerCli("rig1", "rmi", image);
  });

  it("gives the fleet's recent events as a bounded list and one stats sample", async () => {
    const name = `mcp-events-${randomUUID().slice(0, 8)}`;
    await dockerRun(name, rig().images.busybox, "true");
    const started = Date.now();
    const events = await call(admin, "list_recent_events", { host: ["rig1"], type: ["container"] });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(
      events.structuredContent.events.some((event: Json) => event.action === "die" && event.name === name),
    ).toBe(true);

    const sleeper = `mcp-stats-${randomUUID().slice(0, 8)}`;
    await dockerRun(sleeper, "-d", rig().images.busybox, "sleep", "30");
    const stats = await call(admin, "get_container_stats", { host: "rig1", id: sleeper });
    expect(stats.isError).toBeFalsy();
    expect(stats.structuredContent.memory).toBeDefined();
  });
});
