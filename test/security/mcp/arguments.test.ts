import { expect, it } from "vitest";
import { type Json, readJson } from "../../support/http.js";
import { codeOf, mcpAttackTarget, problemOf, type ToolResult, toolCall } from "../../support/mcp-attack.js";
import { describeWithRig, dockerCli } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { label, unique, busybox, dockerRun, containersWith, rpc, result } = env;

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
        env.reader,
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
      await rpc(env.reader, [
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
      const body = await readJson(await rpc(env.reader, text));
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
    const after = await result(env.reader, "list_containers", {});
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
      const res = await result(env.bot, name, args);
      expect(res.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(["invalid_request", "host_not_found"], `${name} ${JSON.stringify(args)}`).toContain(codeOf(res));
    }
    for (const [host, expected] of [
      [1, "host_not_found"],
      [true, "host_not_found"],
    ] as const) {
      expect(codeOf(await result(env.bot, "list_containers", { host }))).toBe(expected);
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
      const res = await result(env.bot, "exec_container", {
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
          env.bot,
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":${args}}}`,
        );
        expect(res.status, args).toBe(400);
        expect((await readJson(res)).code).toBe("invalid_request");
      }
    }
    const envelope = await rpc(
      env.bot,
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_hosts","name":"run_container","arguments":{${spec}}}}`,
    );
    expect(envelope.status).toBe(400);
    expect(await containersWith("rig1", `mcpsec.dup=${unique}`)).toEqual([]);
    expect(await containersWith("rig2", `mcpsec.dup=${unique}`)).toEqual([]);
  });
});
