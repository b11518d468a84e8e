import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { type Json, readJson } from "../../support/http.js";
import { codeOf, mcpAttackTarget, type ToolResult, toolCall } from "../../support/mcp-attack.js";
import { describeWithRig, rigDocker } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { unique, busybox, labels, dockerRun, containersWith, connect, rpc, call, result, audit } = env;

  // Scopes: what a token was not shown, it cannot call.

  it("a containers:read bot is shown only read tools, none that writes, execs, runs or lists hosts", async () => {
    const client = await connect(env.reader);
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
    const none = await connect(await env.target.mint("tokens-only", ["tokens:write"], ["*"]));
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
      const token = await env.target.mint(`only-${scope.replace(":", "-")}`, [scope], ["rig1"]);
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
      const refused = await call(env.reader, name, {
        host: "rig1",
        id: victim,
        force: true,
        signal: "SIGKILL",
      });
      const res = refused.body.result as ToolResult;
      expect(res.isError, name).toBe(true);
      expect(codeOf(res), name).toBe("insufficient_scope");
    }
    const inspected = await rigDocker("rig1").getContainer(victim).inspect();
    expect(inspected.State.Running).toBe(true);
    expect(inspected.RestartCount).toBe(0);
  });

  it("every tool a containers:read bot was not shown is refused by name, and each refusal is audited as denied", async () => {
    const admin = await connect(env.target.token);
    const all = (await admin.listTools()).tools.map((tool) => tool.name);
    const shown = new Set((await (await connect(env.reader)).listTools()).tools.map((tool) => tool.name));
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
      const refused = await call(env.reader, name, args);
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
      env.reader,
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
      await rpc(env.bot, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "run_container", arguments: spec, task: { ttl: 60_000 } },
      }),
    );
    expect(task.error).toBeDefined();
    expect((await readJson(await env.target.api(`/v1/runs?label=mcpsec.task=${unique}`))).items).toEqual([]);
    const batch: Json[] = await readJson(
      await rpc(env.reader, [
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
    const before = (await readJson(await env.target.api("/v1/tokens"))).items.length;
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
      const answer = await call(env.target.token, name, { name: "evil", scopes: ["admin"], hosts: ["*"] });
      expect(answer.body.result, name).toBeUndefined();
      expect(answer.body.error?.code, name).toBe(-32602);
      expect(answer.body.error?.message, name).toMatch(/Unknown tool: /);
    }
    expect((await readJson(await env.target.api("/v1/tokens"))).items.length).toBe(before);
  });
});
