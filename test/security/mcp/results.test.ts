import { expect, it } from "vitest";
import type { Json } from "../../support/http.js";
import { bytes, LIMIT_BYTES, mcpAttackTarget, problemOf, RAW_ERROR } from "../../support/mcp-attack.js";
import { describeWithRig } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { unique, busybox, dockerRun, result } = env;

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
      const res = await result(env.bot, name, args);
      expect(res.isError, name).toBe(true);
      const text = res.content.map((part) => part.text).join("\n");
      expect(text, name).not.toMatch(RAW_ERROR);
      expect(problemOf(res).requestId, name).toBeDefined();
    }
  });

  it("exec output, a single huge log line and a long event window all come back within 32 KiB", async () => {
    const sleeper = `mcpsec-big-${unique}`;
    await dockerRun("rig1", sleeper, "-d", busybox, "sleep", "600");
    const exec = await result(env.bot, "exec_container", {
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
    const logs = await result(env.bot, "get_container_logs", { host: "rig1", id: oneLine });
    expect(logs.isError).toBeFalsy();
    expect(bytes(logs.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
    const events = await result(env.bot, "list_recent_events", { since: "1970-01-01T00:00:00Z" });
    expect(bytes(events.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
  });
});
