import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { type Json, readJson } from "../../support/http.js";
import { codeOf, mcpAttackTarget, sleep, type ToolResult, toolCall } from "../../support/mcp-attack.js";
import { describeWithRig, dockerCli } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { unique, busybox, labels, dockerRun, containersWith, processes, rpc, audit } = env;

  // Limits through MCP: batches, windows and clients that leave.

  it("a batch cannot exceed the subject's exec limit: the calls past it are refused, and every call is audited", async () => {
    const execer = await env.target.mint("execer", ["containers:exec"], ["rig1"]);
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
    const streamer = await env.target.mint("streamer", ["events:read"], ["rig1"]);
    const three = [1, 2, 3].map((id) => toolCall("list_recent_events", {}, id));
    const first: Json[] = await readJson(await rpc(streamer, three));
    const codes = first.map((answer) => codeOf(answer.result));
    expect(codes.filter((code) => code === undefined).length).toBe(2);
    expect(codes.filter((code) => code === "too_many_requests").length).toBe(1);
    const again: Json[] = await readJson(await rpc(streamer, three.slice(0, 2)));
    expect(again.map((answer) => answer.result.isError ?? false)).toEqual([false, false]);
  });

  it("a run whose client left mid-wait (SSE) still ends, is cleaned up, and gives its run slot back", async () => {
    const leaver = await env.target.mint("leaver-run", ["runs:create", "runs:read"], ["rig1"]);
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
      run = (await readJson(await env.target.api(`/v1/runs?label=mcpsec.leave=${unique}`))).items[0];
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
});
