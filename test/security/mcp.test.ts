import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { post, startTarget, type Target } from "../support/attack.js";
import { type Json, readJson } from "../support/http.js";
import {
  describeWithRig,
  dockerCli,
  ensureImage,
  removeLabelled,
  rig,
  rigDocker,
  testLabel,
} from "../support/rig.js";

const LIMIT_BYTES = 32 * 1024;
const ACCEPT = "application/json, text/event-stream";

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
  structuredContent?: Json;
};

/** Text of a raw JavaScript exception, a stack frame or a path of portcall's own files. */
const RAW_ERROR =
  /URI malformed|Cannot convert object|Maximum call stack|TypeError|RangeError|ReferenceError|SyntaxError|\n\s+at |\.ts:\d|\/work\/|node_modules/;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Attacks on the MCP endpoint by tokens that are narrower than what they try, against a real server and the
 * rig's daemons: `rig1` is the host the attackers may use, `rig2` one they may not.
 */
describeWithRig("attacking the MCP endpoint", () => {
  const label = testLabel();
  const unique = randomUUID().slice(0, 8);
  const busybox = rig().images.busybox;
  let target: Target;
  /** containers:read on rig1. */
  let reader: string;
  /** A token of one second, minted first so that it has long expired by the time it is tried. */
  let expired: string;
  let expiringAt = 0;
  /** Every scope a bot could want but admin, on rig1 only, with no policy grant. */
  let bot: string;
  const clients: Client[] = [];

  const labels = (extra: Record<string, string> = {}) => ({ [label.key]: label.value, ...extra });
  /** `docker run` on a rig daemon, behind portcall's back, of a container this suite cleans up. */
  const dockerRun = (daemon: string, name: string, ...args: string[]) =>
    dockerCli(daemon, "run", "--name", name, "--label", `${label.key}=${label.value}`, ...args);
  const containersWith = async (daemon: string, filter: string) =>
    rigDocker(daemon).listContainers({ all: true, filters: { label: [filter] } });
  const processes = async (daemon: string, name: string) =>
    (await dockerCli(daemon, "top", name)).split("\n").slice(1).join("\n");

  const connect = async (token: string): Promise<Client> => {
    const client = new Client({ name: "attacker", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${target.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  const toolCall = (name: string, args: unknown, id: number | string = 1, meta?: Json) => ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
  });
  /** A raw POST /mcp, as any HTTP client can send it. */
  const rpc = (
    token: string | undefined,
    body: unknown,
    headers: Record<string, string> = {},
    init: RequestInit = {},
  ) =>
    fetch(`${target.url}/mcp`, {
      method: "POST",
      ...init,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        "Content-Type": "application/json",
        Accept: ACCEPT,
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  /** One tool call in its own request, with a request id of its own to find its audit entry by. */
  const call = async (
    token: string,
    name: string,
    args: unknown,
  ): Promise<{ status: number; body: Json; requestId: string }> => {
    const requestId = `mcpsec-${randomUUID()}`;
    const res = await rpc(token, toolCall(name, args), { "X-Request-Id": requestId });
    const text = await res.text();
    let body: Json;
    try {
      body = JSON.parse(text);
    } catch {
      body = { unparsed: text };
    }
    return { status: res.status, body, requestId };
  };
  /** The tool result of a call that must be a tool result (refusals included), not a protocol error. */
  const result = async (token: string, name: string, args: unknown): Promise<ToolResult> => {
    const answer = await call(token, name, args);
    expect(answer.status, JSON.stringify(answer.body).slice(0, 500)).toBe(200);
    expect(answer.body.error, JSON.stringify(answer.body.error)).toBeUndefined();
    return answer.body.result as ToolResult;
  };
  const problemOf = (res: ToolResult): Json => JSON.parse(res.content[1]?.text ?? "{}");
  const codeOf = (res: ToolResult): string | undefined => (res.isError ? problemOf(res).code : undefined);
  const audit = async (subject: string): Promise<Json[]> =>
    (await readJson(await target.api(`/v1/audit?subject=${subject}&limit=200`))).items;
  const mintWithId = async (body: Json): Promise<{ token: string; id: string }> => {
    const res = await target.api(
      "/v1/tokens",
      post({ name: `mcpsec-${randomUUID().slice(0, 6)}`, ttl: "1h", ...body }),
    );
    const minted = await readJson(res);
    expect(res.status, JSON.stringify(minted)).toBe(201);
    return minted;
  };

  beforeAll(async () => {
    await Promise.all([ensureImage(rigDocker("rig1"), busybox), ensureImage(rigDocker("rig2"), busybox)]);
    target = await startTarget({
      PORTCALL_MAX_EXECS_PER_TOKEN: "2",
      PORTCALL_MAX_STREAMS_PER_TOKEN: "2",
      PORTCALL_MAX_RUNS_PER_TOKEN: "3",
    });
    for (const id of ["rig1", "rig2"]) {
      const res = await target.api("/v1/hosts", post({ id, url: rig().daemons[id]?.dockerHost }));
      expect(res.status).toBe(201);
    }
    const expiring = await target.api(
      "/v1/tokens",
      post({
        name: "expiring",
        subject: "expiring",
        scopes: ["containers:read"],
        hosts: ["rig1"],
        ttl: "1s",
      }),
    );
    expired = (await readJson(expiring)).token;
    expiringAt = Date.now();
    reader = await target.mint("reader", ["containers:read"], ["rig1"]);
    bot = await target.mint(
      "bot",
      [
        "containers:read",
        "containers:write",
        "containers:exec",
        "images:read",
        "images:write",
        "runs:create",
        "runs:read",
        "events:read",
      ],
      ["rig1"],
    );
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await Promise.all([
      removeLabelled(rigDocker("rig1"), label.filter),
      removeLabelled(rigDocker("rig2"), label.filter),
    ]);
    await target?.discard();
  });

  // ---------------------------------------------------------------------------------------------------------
  // Scopes: what a token was not shown, it cannot call.

  it("a containers:read bot is shown only read tools, none that writes, execs, runs or lists hosts", async () => {
    const client = await connect(reader);
    const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
    expect(names).toEqual(
      [
        "get_container_logs",
        "get_container_stats",
        "inspect_container",
        "list_containers",
        "list_fleet_containers",
        "list_networks",
        "list_volumes",
      ].sort(),
    );
    const none = await connect(await target.mint("tokens-only", ["tokens:write"], ["*"]));
    expect((await none.listTools()).tools).toEqual([]);
  });

  it("each read scope is shown exactly its own tools, and refused the write tool beside them", async () => {
    const expected: Record<string, { shown: string[]; write: [string, Json] }> = {
      "runs:read": {
        shown: ["get_run", "get_run_logs", "list_runs", "wait_run"],
        write: ["cancel_run", { id: "run_000000000000000000000000" }],
      },
      "images:read": {
        shown: ["get_image_history", "inspect_image", "list_fleet_images", "list_images"],
        write: ["remove_image", { host: "rig1", ref: busybox, force: true }],
      },
      "events:read": {
        shown: ["list_recent_events"],
        write: ["run_container", { host: "rig1", image: busybox }],
      },
      "hosts:read": {
        shown: ["get_host_info", "list_hosts"],
        write: ["pull_image", { host: "rig1", image: busybox }],
      },
    };
    for (const [scope, { shown, write }] of Object.entries(expected)) {
      const token = await target.mint(`only-${scope.replace(":", "-")}`, [scope], ["rig1"]);
      const client = await connect(token);
      expect((await client.listTools()).tools.map((tool) => tool.name).sort(), scope).toEqual(shown);
      expect(codeOf(await result(token, ...write)), scope).toBe("insufficient_scope");
    }
    expect((await rigDocker("rig1").getImage(busybox).inspect()).Id).toMatch(/^sha256:/);
  });

  it("a containers:read bot cannot remove a container by calling the tool it was not shown", async () => {
    const victim = `mcpsec-victim-${unique}`;
    await dockerRun("rig1", victim, "-d", busybox, "sleep", "600");
    for (const name of ["remove_container", "kill_container", "stop_container", "restart_container"]) {
      const refused = await call(reader, name, { host: "rig1", id: victim, force: true, signal: "SIGKILL" });
      const res = refused.body.result as ToolResult;
      expect(res.isError, name).toBe(true);
      expect(codeOf(res), name).toBe("insufficient_scope");
    }
    const inspected = await rigDocker("rig1").getContainer(victim).inspect();
    expect(inspected.State.Running).toBe(true);
    expect(inspected.RestartCount).toBe(0);
  });

  it("every tool a containers:read bot was not shown is refused by name, and each refusal is audited as denied", async () => {
    const admin = await connect(target.token);
    const all = (await admin.listTools()).tools.map((tool) => tool.name);
    const shown = new Set((await (await connect(reader)).listTools()).tools.map((tool) => tool.name));
    const hidden = all.filter((name) => !shown.has(name));
    expect(hidden.length).toBeGreaterThan(15);
    const args = {
      host: "rig1",
      id: "run_000000000000000000000000",
      image: busybox,
      ref: busybox,
      cmd: ["touch", "/tmp/pwned"],
      labels: labels({ "mcpsec.hidden": unique }),
    };
    const requestIds = new Map<string, string>();
    for (const name of hidden) {
      const refused = await call(reader, name, args);
      const res = refused.body.result as ToolResult;
      expect(res?.isError, name).toBe(true);
      expect(codeOf(res), name).toBe("insufficient_scope");
      expect(res.content[0]?.text, name).toMatch(/^insufficient_scope: /);
      requestIds.set(name, refused.requestId);
    }
    const entries = await audit("reader");
    for (const [name, requestId] of requestIds) {
      const entry = entries.find((candidate) => candidate.requestId === requestId);
      expect(entry, `audit entry of ${name}`).toMatchObject({
        channel: "mcp",
        status: 403,
        outcome: "denied",
        subject: "reader",
      });
      expect(entry.reason).toMatch(/^insufficient_scope: /);
    }
    expect(await containersWith("rig1", `mcpsec.hidden=${unique}`)).toEqual([]);
    expect(await containersWith("rig2", `mcpsec.hidden=${unique}`)).toEqual([]);
  });

  it("neither a progress token (SSE), a task, nor a batch beside an allowed call lends a refused call any right", async () => {
    const victim = `mcpsec-sse-${unique}`;
    await dockerRun("rig1", victim, "-d", busybox, "sleep", "600");
    const requestId = `mcpsec-${randomUUID()}`;
    const sse = await rpc(
      reader,
      toolCall("remove_container", { host: "rig1", id: victim, force: true }, 1, { progressToken: "p" }),
      { "X-Request-Id": requestId },
    );
    expect(sse.headers.get("content-type")).toContain("text/event-stream");
    const text = await sse.text();
    const message = JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? "{}");
    expect(message.result.isError).toBe(true);
    expect(codeOf(message.result)).toBe("insufficient_scope");
    expect((await audit("reader")).find((entry) => entry.requestId === requestId)).toMatchObject({
      outcome: "denied",
    });
    const spec = { host: "rig1", image: busybox, cmd: ["true"], labels: labels({ "mcpsec.task": unique }) };
    const task = await readJson(
      await rpc(bot, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "run_container", arguments: spec, task: { ttl: 60_000 } },
      }),
    );
    expect(task.error).toBeDefined();
    expect((await readJson(await target.api(`/v1/runs?label=mcpsec.task=${unique}`))).items).toEqual([]);
    const batch: Json[] = await readJson(
      await rpc(reader, [
        toolCall("list_containers", { host: "rig1" }, 1),
        toolCall("remove_container", { host: "rig1", id: victim, force: true }, 2),
        toolCall("list_containers", { host: "rig2" }, 3),
      ]),
    );
    expect(batch.map((answer) => codeOf(answer.result) ?? "ok")).toEqual([
      "ok",
      "insufficient_scope",
      "host_not_found",
    ]);
    expect((await rigDocker("rig1").getContainer(victim).inspect()).State.Running).toBe(true);
  });

  it("no tool name reaches an operation that is not a tool (tokens, hosts, audit, builds) or a prototype key", async () => {
    const before = (await readJson(await target.api("/v1/tokens"))).items.length;
    for (const name of [
      "create_token",
      "createToken",
      "revoke_token",
      "list_audit",
      "listAudit",
      "create_host",
      "createHost",
      "delete_host",
      "update_host",
      "build_image",
      "push_image",
      "tag_image",
      "prune_images",
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
      "LIST_CONTAINERS",
      " list_containers",
    ]) {
      const answer = await call(target.token, name, { name: "evil", scopes: ["admin"], hosts: ["*"] });
      expect(answer.body.result, name).toBeUndefined();
      expect(answer.body.error?.code, name).toBe(-32602);
      expect(answer.body.error?.message, name).toMatch(/Unknown tool: /);
    }
    expect((await readJson(await target.api("/v1/tokens"))).items.length).toBe(before);
  });

  // ---------------------------------------------------------------------------------------------------------
  // Host grants: a host outside them does not exist, whichever tool, list or selector names it.

  it("a bot cannot reach a host outside its grants through any tool, fleet filter or event window", async () => {
    const victim = `mcpsec-rig2-${unique}`;
    await dockerRun("rig2", victim, "-d", busybox, "sleep", "600");
    const planted = `mcpsec/rig2-${unique}:1`;
    await dockerCli("rig2", "tag", busybox, planted);
    const spec = { image: busybox, cmd: ["true"], labels: labels({ "mcpsec.rig2": unique }) };
    const attempts: Array<[string, Json]> = [
      ["list_containers", { host: "rig2", all: true }],
      ["inspect_container", { host: "rig2", id: victim }],
      ["get_container_logs", { host: "rig2", id: victim }],
      ["get_container_stats", { host: "rig2", id: victim }],
      ["stop_container", { host: "rig2", id: victim }],
      ["kill_container", { host: "rig2", id: victim }],
      ["remove_container", { host: "rig2", id: victim, force: true }],
      ["exec_container", { host: "rig2", id: victim, cmd: ["touch", "/tmp/pwned"] }],
      ["create_container", { host: "rig2", ...spec, start: true }],
      ["run_container", { host: "rig2", ...spec }],
      ["pull_image", { host: "rig2", image: rig().images.busybox1 }],
      ["list_images", { host: "rig2" }],
      ["inspect_image", { host: "rig2", ref: planted }],
      ["get_image_history", { host: "rig2", ref: planted }],
      ["remove_image", { host: "rig2", ref: planted, force: true }],
      ["list_volumes", { host: "rig2" }],
      ["list_networks", { host: "rig2" }],
      ["list_fleet_containers", { host: ["rig2"] }],
      ["list_fleet_containers", { host: ["rig1", "rig2"] }],
      ["list_fleet_containers", { host: "rig2" }],
      ["list_fleet_images", { host: ["rig2"] }],
      ["list_recent_events", { host: ["rig2"] }],
    ];
    const requestIds: string[] = [];
    for (const [name, args] of attempts) {
      const answer = await call(bot, name, args);
      const res = answer.body.result as ToolResult;
      expect(res?.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(codeOf(res), `${name} ${JSON.stringify(args)}`).toBe("host_not_found");
      expect(JSON.stringify(res)).not.toContain(victim);
      requestIds.push(answer.requestId);
    }
    // Each refusal is in the audit log.
    const entries = await audit("bot");
    for (const requestId of requestIds) {
      expect(entries.find((entry) => entry.requestId === requestId)).toMatchObject({
        channel: "mcp",
        status: 404,
      });
    }
    // A token that may read hosts sees only its own, and learns nothing of the other.
    const hostReader = await target.mint("host-reader", ["hosts:read"], ["rig1"]);
    const hosts = await result(hostReader, "list_hosts", {});
    expect(hosts.structuredContent.items.map((host: Json) => host.id)).toEqual(["rig1"]);
    expect(codeOf(await result(hostReader, "get_host_info", { host: "rig2" }))).toBe("host_not_found");
    // Unfiltered, the fleet is only rig1.
    const fleet = await result(bot, "list_fleet_containers", { all: true });
    expect(fleet.structuredContent.items.length).toBeGreaterThan(0);
    expect(fleet.structuredContent.items.every((item: Json) => item.host === "rig1")).toBe(true);
    const images = await result(bot, "list_fleet_images", {});
    expect(images.structuredContent.items.every((item: Json) => item.host === "rig1")).toBe(true);
    const events = await result(bot, "list_recent_events", {});
    expect(events.isError).toBeFalsy();
    expect(events.structuredContent.events.filter((event: Json) => event.host === "rig2")).toEqual([]);
    // Nothing happened on rig2.
    const state = await rigDocker("rig2").getContainer(victim).inspect();
    expect(state.State.Running).toBe(true);
    await expect(dockerCli("rig2", "exec", victim, "test", "-e", "/tmp/pwned")).rejects.toThrow();
    expect(await containersWith("rig2", `mcpsec.rig2=${unique}`)).toEqual([]);
    expect((await rigDocker("rig2").getImage(planted).inspect()).Id).toMatch(/^sha256:/);
    await dockerCli("rig2", "rmi", planted);
  });

  it("a resumed event window (a smuggled last-event-id) gives no events of a host outside the grants", async () => {
    const name = `mcpsec-ev-${unique}`;
    await dockerRun("rig2", name, busybox, "true");
    // A cursor naming rig2, as the stream would give it out to someone who may follow rig2.
    const now = `${BigInt(Date.now() - 600_000) * 1_000_000n}`;
    const cursor = Buffer.from(JSON.stringify([now, 0, { rig2: 0, rig1: 0 }])).toString("base64url");
    for (const args of [{ "last-event-id": cursor }, { since: cursor }, { since: "1970-01-01T00:00:00Z" }]) {
      const res = await result(bot, "list_recent_events", args);
      if (res.isError) {
        expect(codeOf(res)).toBe("invalid_request");
        continue;
      }
      const events: Json[] = res.structuredContent.events;
      expect(events.filter((event) => event.host === "rig2" || event.name === name)).toEqual([]);
    }
  });

  it("placement by hostSelector never lands a run on a host outside the token's grants, nor names it", async () => {
    expect(
      (await target.api("/v1/hosts/rig2", post({ labels: { pool: `mcpsec-${unique}` } }, "PATCH"))).status,
    ).toBe(200);
    try {
      const spec = { image: busybox, cmd: ["true"], labels: labels({ "mcpsec.place": unique }) };
      for (const selector of [{ pool: `mcpsec-${unique}` }, { constructor: "x" }, { toString: "x" }]) {
        const res = await result(bot, "run_container", { ...spec, hostSelector: { labels: selector } });
        expect(codeOf(res), JSON.stringify(selector)).toBe("no_host_available");
        expect(JSON.stringify(res)).not.toContain("rig2");
      }
      // Both host and hostSelector: the schema refuses it rather than picking one.
      const both = await result(bot, "run_container", {
        ...spec,
        host: "rig1",
        hostSelector: { labels: { pool: `mcpsec-${unique}` } },
      });
      expect(codeOf(both)).toBe("invalid_request");
      expect(await containersWith("rig2", `mcpsec.place=${unique}`)).toEqual([]);
      const runs = await readJson(await target.api(`/v1/runs?label=mcpsec.place=${unique}`));
      expect(runs.items).toEqual([]);
    } finally {
      await target.api("/v1/hosts/rig2", post({ labels: {} }, "PATCH"));
    }
  });

  it("another subject's run on a host outside the grants does not exist for the bot: get, wait, cancel, logs, list", async () => {
    const started = await target.api(
      "/v1/runs",
      post({ host: "rig2", image: busybox, cmd: ["sleep", "120"], wait: false, labels: labels() }),
    );
    expect(started.status).toBe(202);
    const { id } = await readJson(started);
    try {
      for (const [name, args] of [
        ["get_run", { id }],
        ["wait_run", { id, timeoutSeconds: 1 }],
        ["cancel_run", { id, graceSeconds: 0 }],
        ["get_run_logs", { id }],
      ] as const) {
        const res = await result(bot, name, args);
        expect(codeOf(res), name).toBe("run_not_found");
        expect(JSON.stringify(res)).not.toContain("rig2");
      }
      const cursor = Buffer.from(
        JSON.stringify({ createdAt: "9999-12-31T00:00:00.000Z", id: "run_z" }),
      ).toString("base64url");
      for (const args of [{}, { host: "rig2" }, { status: "running" }, { limit: 100 }, { cursor }]) {
        const res = await result(bot, "list_runs", args);
        expect(res.isError).toBeFalsy();
        expect(res.structuredContent.items.map((run: Json) => run.id)).not.toContain(id);
      }
      // runs:read may see runs on its hosts, but cancelling needs runs:create.
      const watcher = await target.mint("watcher", ["runs:read"], ["*"]);
      const cancel = await result(watcher, "cancel_run", { id, graceSeconds: 0 });
      expect(codeOf(cancel)).toBe("insufficient_scope");
      const still = await readJson(await target.api(`/v1/runs/${id}`));
      expect(still.status).toBe("running");
    } finally {
      await target.api(`/v1/runs/${id}/cancel?graceSeconds=0`, { method: "POST" });
    }
  });

  it("a bot cannot replay another subject's run by sending its idempotency key as a tool argument", async () => {
    const key = `mcpsec-${unique}`;
    const spec = { host: "rig2", image: busybox, cmd: ["true"], labels: labels({ "mcpsec.idem": unique }) };
    const original = await target.api("/v1/runs", {
      ...post(spec),
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    });
    expect(original.status).toBe(201);
    const { id } = await readJson(original);
    for (const name of ["idempotency-key", "Idempotency-Key"]) {
      const res = await result(bot, "run_container", { ...spec, [name]: key });
      expect(res.isError).toBe(true);
      // The key is no argument of the tool: refused as unknown before anything else is looked at.
      expect(codeOf(res)).toBe("invalid_request");
      expect(JSON.stringify(res)).not.toContain(id);
    }
    const runs = await readJson(await target.api(`/v1/runs?label=mcpsec.idem=${unique}`));
    expect(runs.items.map((run: Json) => run.id)).toEqual([id]);
  });

  // ---------------------------------------------------------------------------------------------------------
  // The create policy, exec policy and image grants hold as over REST.

  it("the create policy holds over MCP: no host bind, host network, public port or bind-backed volume", async () => {
    const volume = `mcpsec-etc-${unique}`;
    await dockerCli(
      "rig1",
      "volume",
      "create",
      "-o",
      "type=none",
      "-o",
      "o=bind",
      "-o",
      "device=/etc",
      volume,
    );
    try {
      const spec = { image: busybox, cmd: ["cat", "/h/passwd"], labels: labels({ "mcpsec.policy": unique }) };
      const refusals: Json[] = [
        { mounts: [{ type: "bind", source: "/etc", target: "/h" }] },
        { mounts: [{ type: "bind", source: "/", target: "/h", readOnly: false }] },
        { mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/h/docker.sock" }] },
        { mounts: [{ type: "bind", source: "/etc/../etc", target: "/h" }] },
        { network: "host" },
        { ports: [{ containerPort: 80, hostIp: "0.0.0.0", hostPort: 18080 }] },
        { mounts: [{ type: "volume", source: volume, target: "/h" }] },
      ];
      for (const extra of refusals) {
        for (const name of ["run_container", "create_container"]) {
          const res = await result(bot, name, {
            host: "rig1",
            ...spec,
            ...extra,
            start: name === "create_container",
          });
          expect(res.isError, `${name} ${JSON.stringify(extra)}`).toBe(true);
          expect(["policy_denied", "invalid_request"], `${name} ${JSON.stringify(extra)}`).toContain(
            codeOf(res),
          );
          expect(JSON.stringify(res)).not.toMatch(/root:x:0:0/);
        }
      }
      const [denied] = refusals;
      const explained = await result(bot, "run_container", { host: "rig1", ...spec, ...denied });
      expect(codeOf(explained)).toBe("policy_denied");
      expect(problemOf(explained).nextStep).toMatch(/grant/);
      expect(await containersWith("rig1", `mcpsec.policy=${unique}`)).toEqual([]);
      const runs = await readJson(await target.api(`/v1/runs?label=mcpsec.policy=${unique}`));
      expect(runs.items).toEqual([]);
    } finally {
      await dockerCli("rig1", "volume", "rm", "-f", volume);
    }
  });

  it("Docker's own fields smuggled beside portcall's, or a nested body beside the flat one, never reach the daemon", async () => {
    const name = `mcpsec-smuggle-${unique}`;
    const res = await result(bot, "create_container", {
      host: "rig1",
      image: busybox,
      name,
      cmd: ["sleep", "60"],
      labels: labels({ "mcpsec.smuggle": unique }),
      HostConfig: { Privileged: true, Binds: ["/:/host"], NetworkMode: "host", CapAdd: ["ALL"] },
      Privileged: true,
      CapAdd: ["SYS_ADMIN"],
      NetworkMode: "host",
      container: {
        image: busybox,
        name,
        mounts: [{ type: "bind", source: "/", target: "/host", readOnly: false }],
        network: "host",
      },
      spec: { mounts: [{ type: "bind", source: "/", target: "/host" }] },
    });
    const created = await containersWith("rig1", `mcpsec.smuggle=${unique}`);
    if (!res.isError) expect(created.length).toBe(1);
    for (const summary of created) {
      const detail = await rigDocker("rig1").getContainer(summary.Id).inspect();
      expect(detail.HostConfig.Privileged).toBe(false);
      expect(detail.HostConfig.Binds ?? []).toEqual([]);
      expect(detail.HostConfig.CapAdd ?? []).toEqual([]);
      expect(detail.HostConfig.NetworkMode).not.toBe("host");
      expect(detail.Mounts.filter((mount) => mount.Type === "bind")).toEqual([]);
      expect(detail.HostConfig.SecurityOpt?.some((opt: string) => opt.startsWith("no-new-privileges"))).toBe(
        true,
      );
      await rigDocker("rig1").getContainer(summary.Id).remove({ force: true });
    }
  });

  it("exec through MCP is refused into a container the token could not have created, and the command never runs", async () => {
    // Made behind portcall's back, as a CI runner or an admin would; the rig's daemons cannot run --privileged.
    const powers: string[][] = [
      ["--cap-add", "SYS_PTRACE"],
      ["--pid", "host"],
      ["--security-opt", "seccomp=unconfined"],
      ["-v", "/etc:/hostetc:ro"],
      ["--network", "host"],
    ];
    for (const [index, flags] of powers.entries()) {
      const name = `mcpsec-power${index}-${unique}`;
      await dockerRun("rig1", name, "-d", ...flags, busybox, "sleep", "600");
      const res = await result(bot, "exec_container", {
        host: "rig1",
        id: name,
        cmd: ["sh", "-c", "touch /tmp/pwned; cat /hostetc/shadow"],
      });
      expect(codeOf(res), flags.join(" ")).toBe("policy_denied");
      await expect(dockerCli("rig1", "exec", name, "test", "-e", "/tmp/pwned")).rejects.toThrow();
    }
  });

  it("image grants hold over MCP: a token without an images grant cannot remove an image by name or by id", async () => {
    const planted = `mcpsec/victim-${unique}:1`;
    await dockerCli("rig1", "tag", busybox, planted);
    try {
      const { Id } = await rigDocker("rig1").getImage(planted).inspect();
      for (const ref of [planted, Id, Id.slice("sha256:".length, 19), `docker.io/${planted}`]) {
        const res = await result(bot, "remove_image", { host: "rig1", ref, force: true });
        expect(res.isError, ref).toBe(true);
        expect(["policy_denied", "image_not_found"], ref).toContain(codeOf(res));
      }
      expect((await rigDocker("rig1").getImage(planted).inspect()).Id).toBe(Id);
      expect((await rigDocker("rig1").getImage(busybox).inspect()).Id).toBe(Id);
    } finally {
      await dockerCli("rig1", "rmi", planted).catch(() => "");
    }
  });

  // ---------------------------------------------------------------------------------------------------------
  // Argument smuggling: what a tool fixes, hides or types cannot be changed by what a client sends.

  it("logs through MCP never follow, whatever the arguments say, and give their stream slot back", async () => {
    const chatty = `mcpsec-chatty-${unique}`;
    await dockerRun("rig1", chatty, "-d", busybox, "sh", "-c", "while true; do echo tick; sleep 1; done");
    const variants: string[] = [
      JSON.stringify({ host: "rig1", id: chatty, follow: true }),
      JSON.stringify({ host: "rig1", id: chatty, follow: "true" }),
      JSON.stringify({ host: "rig1", id: chatty, follow: 1 }),
      `{"host":"rig1","id":"${chatty}","__proto__":{"follow":"true"}}`,
      `{"host":"rig1","id":"${chatty}","constructor":{"prototype":{"follow":"true"}}}`,
    ];
    for (const args of variants) {
      const started = Date.now();
      const res = await rpc(
        reader,
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_container_logs","arguments":${args}}}`,
        {},
        { signal: AbortSignal.timeout(10_000) },
      );
      const body = await readJson(res);
      expect(Date.now() - started, args).toBeLessThan(8_000);
      expect(body.error, args).toBeUndefined();
    }
    // Two streams at once is the limit: none of the calls above still holds one.
    const batch = await readJson(
      await rpc(reader, [
        toolCall("get_container_logs", { host: "rig1", id: chatty, tail: 5 }, 1),
        toolCall("get_container_logs", { host: "rig1", id: chatty, tail: 5 }, 2),
      ]),
    );
    expect(batch.map((answer: Json) => answer.result.isError ?? false)).toEqual([false, false]);
  });

  it("prototype keys in arguments set no field of the call and pollute nothing", async () => {
    const bodies = [
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_containers","arguments":{"__proto__":{"host":"rig2"}}}}`,
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_containers","arguments":{"constructor":{"prototype":{"host":"rig2"}}}}}`,
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_fleet_containers","arguments":{"__proto__":{"host":["rig2"]}}}}`,
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_fleet_containers","arguments":{"host":["rig1"],"__proto__":{"host":["rig2"]}}}}`,
    ];
    for (const text of bodies) {
      const body = await readJson(await rpc(reader, text));
      expect(body.error, text).toBeUndefined();
      const res = body.result as ToolResult;
      if (res.isError) expect(codeOf(res), text).toBe("invalid_request");
      else
        expect(
          res.structuredContent.items.every((item: Json) => item.host === "rig1"),
          text,
        ).toBe(true);
    }
    // Nothing leaked into later calls: a call without a host is still refused for want of one.
    const after = await result(reader, "list_containers", {});
    expect(codeOf(after)).toBe("invalid_request");
    expect(problemOf(after).errors[0].path).toBe("host");
  });

  it("numbers, booleans, lists and objects where strings are expected are refused, never read as another host", async () => {
    const attempts: Array<[string, Json]> = [
      ["list_containers", { host: ["rig2"] }],
      ["list_containers", { host: { id: "rig2" } }],
      ["list_containers", { host: "rig1", all: "yes" }],
      ["list_containers", { host: "rig1", all: { $ne: false } }],
      ["list_containers", { host: "rig1", label: { "portcall.test": "x" } }],
      ["list_containers", { host: "RIG2" }],
      ["list_containers", { host: "rig2 " }],
      ["list_containers", { host: "../rig2" }],
      ["inspect_container", { host: "rig1", id: ["a", "b"] }],
      ["inspect_container", { host: "rig1", id: "../../containers/json" }],
      ["inspect_container", { host: "rig1", id: "%2e%2e%2fhosts" }],
      ["get_container_logs", { host: "rig1", id: "x", tail: -1 }],
      ["get_container_logs", { host: "rig1", id: "x", tail: 1e21 }],
      ["get_container_logs", { host: "rig1", id: "x", tail: "all" }],
      ["list_recent_events", { since: { $gt: 0 } }],
    ];
    for (const [name, args] of attempts) {
      const res = await result(bot, name, args);
      expect(res.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(["invalid_request", "host_not_found"], `${name} ${JSON.stringify(args)}`).toContain(codeOf(res));
    }
    for (const [host, expected] of [
      [1, "host_not_found"],
      [true, "host_not_found"],
    ] as const) {
      expect(codeOf(await result(bot, "list_containers", { host }))).toBe(expected);
    }
    const sleeper = `mcpsec-coerce-${unique}`;
    await dockerRun("rig1", sleeper, "-d", busybox, "sleep", "600");
    for (const extra of [
      { timeoutSeconds: 1e308 },
      { timeoutSeconds: -1 },
      { timeoutSeconds: "30" },
      { cmd: "touch /tmp/pwned" },
      { cmd: [["touch", "/tmp/pwned"]] },
      { user: { name: "root" } },
      { outputLimitBytes: 1e12 },
    ]) {
      const res = await result(bot, "exec_container", {
        host: "rig1",
        id: sleeper,
        cmd: ["touch", "/tmp/pwned"],
        ...extra,
      });
      expect(codeOf(res), JSON.stringify(extra)).toBe("invalid_request");
    }
    await expect(dockerCli("rig1", "exec", sleeper, "test", "-e", "/tmp/pwned")).rejects.toThrow();
  });

  it("a key given twice in the JSON-RPC body is refused before any tool runs", async () => {
    const spec = `"host":"rig1","image":"${busybox}","cmd":["true"],"labels":{"${label.key}":"${label.value}","mcpsec.dup":"${unique}"}`;
    for (const args of [
      `{${spec},"mounts":[],"mounts":[{"type":"bind","source":"/etc","target":"/h"}]}`,
      `{${spec},"mounts":[],"\\u006dounts":[{"type":"bind","source":"/etc","target":"/h"}]}`,
      `{${spec},"host":"rig2"}`,
    ]) {
      for (const name of ["run_container", "create_container"]) {
        const res = await rpc(
          bot,
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":${args}}}`,
        );
        expect(res.status, args).toBe(400);
        expect((await readJson(res)).code).toBe("invalid_request");
      }
    }
    const envelope = await rpc(
      bot,
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_hosts","name":"run_container","arguments":{${spec}}}}`,
    );
    expect(envelope.status).toBe(400);
    expect(await containersWith("rig1", `mcpsec.dup=${unique}`)).toEqual([]);
    expect(await containersWith("rig2", `mcpsec.dup=${unique}`)).toEqual([]);
  });

  // ---------------------------------------------------------------------------------------------------------
  // Authentication and the endpoint itself.

  it("without a valid token /mcp answers 401 and where an MCP client learns how to get one, whatever was sent", async () => {
    const metadata = `${target.url}/.well-known/oauth-protected-resource`;
    // Past its expiry and the 30 s of clock tolerance portcall allows.
    await sleep(Math.max(0, expiringAt + 32_000 - Date.now()));
    const revoked = await mintWithId({ subject: "revoked", scopes: ["containers:read"], hosts: ["rig1"] });
    const live = await connect(revoked.token);
    expect(
      (await live.callTool({ name: "list_containers", arguments: { host: "rig1" } })).isError,
    ).toBeFalsy();
    expect((await target.api(`/v1/tokens/${revoked.id}`, { method: "DELETE" })).status).toBe(204);
    const [header, payload] = reader.split(".");
    const forged = `${header}.${Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString()),
        scope: "admin",
        hosts: ["*"],
      }),
    ).toString("base64url")}.${reader.split(".")[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    const authorizations: Array<string | undefined> = [
      undefined,
      "Basic YWRtaW46YWRtaW4=",
      "Bearer",
      "Bearer ",
      `Bearer ${reader} extra`,
      `Token ${reader}`,
      `Bearer ${forged}`,
      `Bearer ${unsigned}`,
      `Bearer ${expired}`,
      `Bearer ${revoked.token}`,
    ];
    for (const authorization of authorizations) {
      const res = await rpc(
        undefined,
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        {
          ...(authorization === undefined ? {} : { Authorization: authorization }),
        },
      );
      expect(res.status, authorization).toBe(401);
      const challenge = res.headers.get("www-authenticate") ?? "";
      expect(challenge, authorization).toMatch(/^Bearer resource_metadata="([^"]+)"/);
      expect(/resource_metadata="([^"]+)"/.exec(challenge)?.[1]).toBe(metadata);
      const body = await readJson(res);
      expect(body.code).toBe("invalid_token");
      expect(JSON.stringify(body)).not.toContain("tools");
    }
    // A token in the query or a cookie is no token.
    const query = await fetch(`${target.url}/mcp?access_token=${reader}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: ACCEPT, Cookie: `token=${reader}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(query.status).toBe(401);
    // The client that was connected before its token was revoked is refused from its next call on.
    await expect(live.callTool({ name: "list_containers", arguments: { host: "rig1" } })).rejects.toThrow(
      /401/,
    );
    const refusals = (await readJson(await target.api("/v1/audit?limit=200"))).items.filter(
      (entry: Json) => entry.channel === "mcp" && entry.status === 401,
    );
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((entry: Json) => entry.outcome === "denied" && entry.path === "/mcp")).toBe(true);
  });

  it("a body over the MCP limit is refused with 413 once authenticated, and never read without a token", async () => {
    const huge = JSON.stringify(
      toolCall("list_containers", { host: "rig1", pad: "x".repeat(5 * 1024 * 1024) }),
    );
    const anonymous = await rpc(undefined, huge);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/resource_metadata=/);
    const authenticated = await rpc(reader, huge);
    expect(authenticated.status).toBe(413);
    expect((await readJson(authenticated)).code).toBe("payload_too_large");
    for (const type of [
      "text/plain",
      "application/json; charset=latin1",
      "application/x-www-form-urlencoded",
    ]) {
      const res = await rpc(reader, toolCall("list_containers", { host: "rig1" }), { "Content-Type": type });
      expect(res.status, type).toBe(415);
    }
    const notJson = await rpc(reader, "{not json");
    expect(notJson.status).toBe(400);
    expect((await readJson(notJson)).error.code).toBe(-32700);
  });

  it("GET and DELETE on /mcp open no stream and end no session, with a token or without", async () => {
    for (const method of ["GET", "DELETE"]) {
      const auths: Array<Record<string, string>> = [
        {},
        { Authorization: `Bearer ${reader}` },
        { Authorization: `Bearer ${target.token}` },
      ];
      for (const headers of auths) {
        const res = await fetch(`${target.url}/mcp`, {
          method,
          headers: { Accept: "text/event-stream", "Mcp-Session-Id": "anything", ...headers },
          signal: AbortSignal.timeout(5_000),
        });
        expect(res.status, method).toBe(405);
        expect(res.headers.get("allow")).toBe("POST");
        expect(res.headers.get("content-type")).not.toContain("text/event-stream");
        await res.text();
      }
    }
  });

  it("forwarded headers cannot point the MCP client's metadata at another server", async () => {
    const metadata = `${target.url}/.well-known/oauth-protected-resource`;
    const forwarded: Array<Record<string, string>> = [
      { "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" },
      { Forwarded: "host=evil.example;proto=https" },
      { "X-Forwarded-Host": "evil.example:443", "X-Original-URL": "https://evil.example/mcp" },
    ];
    for (const headers of forwarded) {
      const challenge = (await rpc(undefined, "{}", headers)).headers.get("www-authenticate") ?? "";
      expect(challenge).toContain(`resource_metadata="${metadata}"`);
      const document = await readJson(await fetch(metadata, { headers }));
      expect(document.resource).toBe(`${target.url}/mcp`);
      expect(JSON.stringify(document)).not.toContain("evil");
      const nested = await readJson(await fetch(`${metadata}/mcp`, { headers }));
      expect(nested.resource).toBe(`${target.url}/mcp`);
    }
  });

  // ---------------------------------------------------------------------------------------------------------
  // Limits through MCP: batches, windows and clients that leave.

  it("a batch cannot exceed the subject's exec limit: the calls past it are refused, and every call is audited", async () => {
    const execer = await target.mint("execer", ["containers:exec"], ["rig1"]);
    const sleeper = `mcpsec-batch-${unique}`;
    await dockerRun("rig1", sleeper, "-d", busybox, "sleep", "600");
    const requestId = `mcpsec-batch-${randomUUID()}`;
    const calls = [1, 2, 3, 4, 5].map((id) =>
      toolCall("exec_container", { host: "rig1", id: sleeper, cmd: ["sleep", "2"], timeoutSeconds: 10 }, id),
    );
    const answers: Json[] = await readJson(await rpc(execer, calls, { "X-Request-Id": requestId }));
    const results = answers.map((answer) => answer.result as ToolResult);
    expect(results.filter((res) => !res.isError && res.structuredContent.exitCode === 0).length).toBe(2);
    expect(results.filter((res) => codeOf(res) === "too_many_requests").length).toBe(3);
    const entries = (await audit("execer")).filter((entry) => entry.requestId === requestId);
    expect(entries.length).toBe(5);
    expect(entries.filter((entry) => entry.status === 429).length).toBe(3);
    expect(await processes("rig1", sleeper)).not.toMatch(/sleep 2/);
    // More than a batch may hold is refused whole, and nothing of it runs.
    const tooMany = Array.from({ length: 101 }, (_, id) =>
      toolCall("exec_container", { host: "rig1", id: sleeper, cmd: ["touch", "/tmp/pwned"] }, id),
    );
    const refusedId = `mcpsec-batch-${randomUUID()}`;
    expect((await rpc(execer, tooMany, { "X-Request-Id": refusedId })).status).toBe(400);
    expect((await audit("execer")).filter((entry) => entry.requestId === refusedId)).toEqual([]);
    await expect(dockerCli("rig1", "exec", sleeper, "test", "-e", "/tmp/pwned")).rejects.toThrow();
    // An initialize hidden in a batch is refused too.
    const init = {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    };
    expect((await rpc(execer, [init, calls[0]])).status).toBe(400);
  });

  it("event windows hold a stream slot only while they read, and give it back", async () => {
    const streamer = await target.mint("streamer", ["events:read"], ["rig1"]);
    const three = [1, 2, 3].map((id) => toolCall("list_recent_events", {}, id));
    const first: Json[] = await readJson(await rpc(streamer, three));
    const codes = first.map((answer) => codeOf(answer.result));
    expect(codes.filter((code) => code === undefined).length).toBe(2);
    expect(codes.filter((code) => code === "too_many_requests").length).toBe(1);
    const again: Json[] = await readJson(await rpc(streamer, three.slice(0, 2)));
    expect(again.map((answer) => answer.result.isError ?? false)).toEqual([false, false]);
  });

  it("a run whose client left mid-wait (SSE) still ends, is cleaned up, and gives its run slot back", async () => {
    const leaver = await target.mint("leaver-run", ["runs:create", "runs:read"], ["rig1"]);
    const mark = labels({ "mcpsec.leave": unique });
    const controller = new AbortController();
    const res = await rpc(
      leaver,
      toolCall("run_container", { host: "rig1", image: busybox, cmd: ["sleep", "3"], labels: mark }, 1, {
        progressToken: "p1",
      }),
      {},
      { signal: controller.signal },
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    // Left once the run exists and is being waited for (leaving before that ends its start, as over REST).
    const stream = res.body?.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (stream && !/started; waiting/.test(seen)) {
      const { value, done } = await stream.read();
      if (done) break;
      seen += decoder.decode(value);
    }
    controller.abort();
    let run: Json;
    for (let i = 0; ; i++) {
      run = (await readJson(await target.api(`/v1/runs?label=mcpsec.leave=${unique}`))).items[0];
      if (run?.status === "exited" || i > 40) break;
      await sleep(500);
    }
    expect(run).toMatchObject({ status: "exited", exitCode: 0 });
    for (let i = 0; (await containersWith("rig1", `mcpsec.leave=${unique}`)).length > 0 && i < 20; i++)
      await sleep(250);
    expect(await containersWith("rig1", `mcpsec.leave=${unique}`)).toEqual([]);
    // All three of its run slots are free again.
    const batch: Json[] = await readJson(
      await rpc(
        leaver,
        [1, 2, 3].map((id) =>
          toolCall("run_container", { host: "rig1", image: busybox, cmd: ["true"], labels: mark }, id),
        ),
      ),
    );
    expect(batch.map((answer) => codeOf(answer.result) ?? "ok")).toEqual(["ok", "ok", "ok"]);
    // And a batch cannot take more than its three.
    const four: Json[] = await readJson(
      await rpc(
        leaver,
        [1, 2, 3, 4].map((id) =>
          toolCall("run_container", { host: "rig1", image: busybox, cmd: ["sleep", "2"], labels: mark }, id),
        ),
      ),
    );
    const codes = four.map((answer) => codeOf(answer.result) ?? "ok");
    expect(codes.filter((code) => code === "ok").length).toBe(3);
    expect(codes.filter((code) => code === "too_many_requests").length).toBe(1);
  });

  // ---------------------------------------------------------------------------------------------------------
  // What comes back: refusals are results, never raw errors, and results stay within 32 KiB.

  it("a failing tool call never carries a stack, a file path or raw exception text", async () => {
    const stopped = `mcpsec-stopped-${unique}`;
    await dockerRun("rig1", stopped, busybox, "true");
    const attempts: Array<[string, Json]> = [
      ["inspect_container", { host: "rig1", id: `missing-${unique}` }],
      ["exec_container", { host: "rig1", id: stopped, cmd: ["true"] }],
      ["create_container", { host: "rig1", image: `127.0.0.1:5055/portcall/missing-${unique}:1` }],
      [
        "run_container",
        { host: "rig1", image: `127.0.0.1:5055/portcall/missing-${unique}:1`, pull: "always" },
      ],
      ["start_container", { host: "rig1", id: `missing-${unique}` }],
      ["get_run", { id: "run_000000000000000000000000" }],
      ["list_runs", { cursor: "not-a-cursor" }],
      ["list_runs", { cursor: Buffer.from('{"createdAt":1,"id":{}}').toString("base64url") }],
      ["list_recent_events", { "last-event-id": "A".repeat(9000) }],
      ["inspect_image", { host: "rig1", ref: `missing-${unique}` }],
      ["run_container", { host: "rig1" }],
      ["run_container", {}],
    ];
    for (const [name, args] of attempts) {
      const res = await result(bot, name, args);
      expect(res.isError, name).toBe(true);
      const text = res.content.map((part) => part.text).join("\n");
      expect(text, name).not.toMatch(RAW_ERROR);
      expect(problemOf(res).requestId, name).toBeDefined();
    }
  });

  it("exec output, a single huge log line and a long event window all come back within 32 KiB", async () => {
    const sleeper = `mcpsec-big-${unique}`;
    await dockerRun("rig1", sleeper, "-d", busybox, "sleep", "600");
    const exec = await result(bot, "exec_container", {
      host: "rig1",
      id: sleeper,
      cmd: [
        "sh",
        "-c",
        "head -c 300000 /dev/zero | tr '\\0' '\\001'; head -c 300000 /dev/zero | tr '\\0' x >&2",
      ],
      outputLimitBytes: 16 * 1024 * 1024,
    });
    expect(exec.isError).toBeFalsy();
    expect(bytes(exec.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
    expect(exec.structuredContent.truncated).toBeDefined();
    const oneLine = `mcpsec-line-${unique}`;
    await dockerRun("rig1", oneLine, busybox, "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' y; echo");
    const logs = await result(bot, "get_container_logs", { host: "rig1", id: oneLine });
    expect(logs.isError).toBeFalsy();
    expect(bytes(logs.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
    const events = await result(bot, "list_recent_events", { since: "1970-01-01T00:00:00Z" });
    expect(bytes(events.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  // ---------------------------------------------------------------------------------------------------------
  // FINDINGS. Every test below failed when written: each is an attack that worked, or behaviour that is wrong,
  // and states what portcall should do instead. They pass once the finding is fixed.

  it("a bot cannot hide a refused call from the audit log with an argument portcall cannot put in a path", async () => {
    const hider = await target.mint("hider", ["containers:read"], ["rig1"]);
    const victim = `mcpsec-hide-${unique}`;
    await dockerRun("rig1", victim, "-d", busybox, "sleep", "600");
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    // Arguments as JSON text: a lone surrogate, an object whose toString is no function, a very deep list.
    const attempts: Array<[string, string]> = [
      ["remove_container", `{"host":"rig1","id":"\\ud800","force":true}`],
      ["remove_container", `{"host":{"toString":1},"id":"${victim}","force":true}`],
      ["kill_container", `{"host":"rig1","id":{"toString":1,"valueOf":1}}`],
      ["exec_container", `{"host":"\\udfff","id":"${victim}","cmd":["touch","/tmp/pwned"]}`],
      ["create_container", `{"host":{"toString":null},"image":"${busybox}","start":true}`],
      ["list_containers", `{"host":${deep}}`],
      ["inspect_container", `{"host":"rig1","id":"\\udc00"}`],
    ];
    const problems: string[] = [];
    for (const [name, args] of attempts) {
      const requestId = `mcpsec-${randomUUID()}`;
      const res = await rpc(
        hider,
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":${args}}}`,
        { "X-Request-Id": requestId },
      );
      const body = await readJson(res);
      const what = `${name} ${args.slice(0, 60)}: ${JSON.stringify(body).slice(0, 160)}`;
      // A refusal is a tool result like any other, and says nothing of portcall's insides.
      if (body.error !== undefined || body.result?.isError !== true)
        problems.push(`not an isError result: ${what}`);
      if (RAW_ERROR.test(JSON.stringify(body))) problems.push(`raw error text: ${what}`);
      // And it is in the audit log, as every tool call is.
      const entry = (await audit("hider")).find((candidate) => candidate.requestId === requestId);
      if (entry?.channel !== "mcp" || entry.status < 400) problems.push(`no audit entry: ${what}`);
    }
    expect(problems).toEqual([]);
    expect((await rigDocker("rig1").getContainer(victim).inspect()).State.Running).toBe(true);
  });

  it("inspect_container's result stays within 32 KiB for a container with a long command", async () => {
    const name = `mcpsec-bigcmd-${unique}`;
    const args = Array.from({ length: 60 }, (_, i) => `${i}-${"a".repeat(1000)}`);
    await dockerCli(
      "rig1",
      "create",
      "--name",
      name,
      "--label",
      `${label.key}=${label.value}`,
      busybox,
      "echo",
      ...args,
    );
    const res = await result(reader, "inspect_container", { host: "rig1", id: name });
    expect(res.isError).toBeFalsy();
    expect(bytes(res.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it("run_container and get_run results stay within 32 KiB for a run with many labels", async () => {
    const many: Record<string, string> = labels();
    for (let i = 0; i < 600; i++)
      many[`mcpsec.label.${String(i).padStart(4, "0")}.${"k".repeat(30)}`] = "v".repeat(50);
    const run = await result(bot, "run_container", {
      host: "rig1",
      image: busybox,
      cmd: ["true"],
      labels: many,
    });
    expect(run.isError).toBeFalsy();
    const got = await result(bot, "get_run", { id: run.structuredContent.id });
    expect(bytes(run.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
    expect(bytes(got.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it("a tool call's arguments are held to the 1 MiB a REST body may have: nothing runs from a larger one", async () => {
    const spec = {
      host: "rig1",
      image: busybox,
      cmd: ["true"],
      labels: labels({ "mcpsec.big": unique }),
      env: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, "x".repeat(32_000)])),
    };
    const rest = await target.as(bot, "/v1/runs", post(spec));
    expect(rest.status).toBe(413);
    // On a connection of its own: the server answers 413 without reading the rest, and may close it under the
    // upload, which must not take a pooled connection of the next test with it.
    const status = await new Promise<number | "closed">((resolve) => {
      const body = JSON.stringify(toolCall("run_container", spec));
      const req = httpRequest(
        `${target.url}/mcp`,
        {
          method: "POST",
          agent: false,
          headers: {
            Authorization: `Bearer ${bot}`,
            "Content-Type": "application/json",
            Accept: ACCEPT,
            "Content-Length": Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", () => resolve("closed"));
      req.end(body);
    });
    expect([413, "closed"]).toContain(status);
    const runs = await readJson(await target.api(`/v1/runs?label=mcpsec.big=${unique}`));
    expect(runs.items).toEqual([]);
  });

  it("an argument a tool does not take is refused, as REST refuses an unknown key, not silently dropped", async () => {
    for (const [name, extra] of [
      ["create_container", { privileged: true }],
      ["create_container", { Privileged: true, capAdd: ["SYS_ADMIN"] }],
      ["run_container", { privileged: true }],
      ["run_container", { restartPolicy: { name: "always" } }],
    ] as const) {
      const res = await result(bot, name, {
        host: "rig1",
        image: busybox,
        cmd: ["true"],
        labels: labels({ "mcpsec.unknown": unique }),
        ...extra,
      });
      expect(codeOf(res), `${name} ${JSON.stringify(extra)}`).toBe("invalid_request");
    }
    expect(await containersWith("rig1", `mcpsec.unknown=${unique}`)).toEqual([]);
  });

  it("an exec whose MCP client went away is killed and gives its slot back, as over REST", async () => {
    const leaver = await target.mint("leaver-exec", ["containers:exec"], ["rig1"]);
    const sleeper = `mcpsec-leave-${unique}`;
    await dockerRun("rig1", sleeper, "-d", busybox, "sleep", "600");
    /** Starts `sleep <seconds>` in the sleeper, leaves once it runs, and says whether it still runs 5 s later. */
    const leaveExec = async (seconds: number, send: (signal: AbortSignal) => Promise<unknown>) => {
      const controller = new AbortController();
      const pending = send(controller.signal).catch(() => undefined);
      const command = `sleep ${seconds}`;
      for (let i = 0; !(await processes("rig1", sleeper)).includes(command) && i < 50; i++) await sleep(100);
      expect(await processes("rig1", sleeper)).toContain(command);
      controller.abort();
      await pending;
      for (let i = 0; i < 20; i++) {
        if (!(await processes("rig1", sleeper)).includes(command)) return false;
        await sleep(250);
      }
      return true;
    };
    // Over REST, the client leaving kills the command at once.
    const restOutlived = await leaveExec(46, (signal) =>
      target.as(leaver, `/v1/hosts/rig1/containers/${sleeper}/exec`, {
        ...post({ cmd: ["sleep", "46"], timeoutSeconds: 46 }),
        signal,
      }),
    );
    expect(restOutlived).toBe(false);
    // Over MCP it should too.
    const mcpOutlived = await leaveExec(45, (signal) =>
      rpc(
        leaver,
        toolCall("exec_container", { host: "rig1", id: sleeper, cmd: ["sleep", "45"], timeoutSeconds: 45 }),
        {},
        { signal },
      ),
    );
    expect(mcpOutlived, "the command of an MCP exec outlived its client").toBe(false);
    const both: Json[] = await readJson(
      await rpc(
        leaver,
        [1, 2].map((id) => toolCall("exec_container", { host: "rig1", id: sleeper, cmd: ["true"] }, id)),
      ),
    );
    expect(both.map((answer) => codeOf(answer.result) ?? "ok")).toEqual(["ok", "ok"]);
  });

  it("a Host header cannot break out of the quoted string of the 401 challenge", async () => {
    const { port } = new URL(target.url);
    const challenge = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/mcp",
          headers: { Host: 'evil",error="none', "Content-Type": "application/json" },
        },
        (res) => {
          res.resume();
          resolve(String(res.headers["www-authenticate"] ?? `(status ${res.statusCode})`));
        },
      );
      req.on("error", reject);
      req.end("{}");
    });
    expect(challenge).not.toContain('error="none');
  });

  it("a batch that cancels one of its own calls is still answered", async () => {
    const res = await rpc(
      reader,
      [
        toolCall("list_containers", { host: "rig1" }, 1),
        {
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: 1, reason: "changed my mind" },
        },
      ],
      {},
      { signal: AbortSignal.timeout(10_000) },
    ).then(
      (answer) => answer.status,
      (error: unknown) => String(error),
    );
    expect([200, 202]).toContain(res);
  });

  it("a pull from an address that is no registry does not hand the bot what answered there", async () => {
    const secret = `mcpsec-secret-${randomUUID()}`;
    const listener = createServer((_req, res) => {
      res.writeHead(404, { "Content-Type": "text/plain" }).end(`internal admin page ${secret}`);
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    try {
      const address = listener.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const res = await result(bot, "pull_image", { host: "rig1", image: `127.0.0.1:${port}/anything:1` });
      expect(res.isError).toBe(true);
      expect(JSON.stringify(res)).not.toContain(secret);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
