import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, expect } from "vitest";
import { post, startTarget, type Target } from "./attack.js";
import { type Json, readJson } from "./http.js";
import { dockerCli, ensureImage, removeLabelled, rig, rigDocker, testLabel } from "./rig.js";

export const LIMIT_BYTES = 32 * 1024;
export const ACCEPT = "application/json, text/event-stream";

export type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
  structuredContent?: Json;
};

/** Text of a raw JavaScript exception, a stack frame or a path of portcall's own files. */
export const RAW_ERROR =
  /URI malformed|Cannot convert object|Maximum call stack|TypeError|RangeError|ReferenceError|SyntaxError|\n\s+at |\.ts:\d|\/work\/|node_modules/;

export const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const toolCall = (name: string, args: unknown, id: number | string = 1, meta?: Json) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});
export const problemOf = (res: ToolResult): Json => JSON.parse(res.content[1]?.text ?? "{}");
export const codeOf = (res: ToolResult): string | undefined =>
  res.isError ? problemOf(res).code : undefined;

/**
 * What the files of attacks on the MCP endpoint share: a real server, registered with the rig's daemons, where
 * `rig1` is the host the attackers may use and `rig2` one they may not, the tokens they attack with, and the
 * ways to call it. Called in a `describe`, it sets all this up in a `beforeAll` and removes it in an `afterAll`
 * of that `describe`; the server and the tokens are read off what it returns once that `beforeAll` has run.
 */
export function mcpAttackTarget() {
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

  const setup = async (): Promise<void> => {
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
  };
  const cleanup = async (): Promise<void> => {
    for (const client of clients) await client.close().catch(() => {});
    await Promise.all([
      removeLabelled(rigDocker("rig1"), label.filter),
      removeLabelled(rigDocker("rig2"), label.filter),
    ]);
    await target?.discard();
  };

  beforeAll(setup);
  afterAll(cleanup);

  return {
    label,
    unique,
    busybox,
    /** The server, from the `beforeAll` on. */
    get target(): Target {
      return target;
    },
    get reader(): string {
      return reader;
    },
    get expired(): string {
      return expired;
    },
    get expiringAt(): number {
      return expiringAt;
    },
    get bot(): string {
      return bot;
    },
    labels,
    dockerRun,
    containersWith,
    processes,
    connect,
    rpc,
    call,
    result,
    audit,
    mintWithId,
  };
}
