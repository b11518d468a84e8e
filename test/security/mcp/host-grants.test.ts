import { beforeAll, expect, it } from "vitest";
import { post } from "../../support/attack.js";
import { type Json, readJson } from "../../support/http.js";
import { codeOf, mcpAttackTarget, type ToolResult } from "../../support/mcp-attack.js";
import { describeWithRig, dockerCli, rig, rigDocker } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { unique, busybox, labels, dockerRun, containersWith, call, result, audit } = env;
  beforeAll(async () => {
    // A container of this suite on rig1, as the scope tests had left there when these tests shared their file:
    // the unfiltered fleet below is then never empty.
    await dockerRun("rig1", `mcpsec-fleet-${unique}`, "-d", busybox, "sleep", "600");
  });

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
      const answer = await call(env.bot, name, args);
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
    const hostReader = await env.target.mint("host-reader", ["hosts:read"], ["rig1"]);
    const hosts = await result(hostReader, "list_hosts", {});
    expect(hosts.structuredContent.items.map((host: Json) => host.id)).toEqual(["rig1"]);
    expect(codeOf(await result(hostReader, "get_host_info", { host: "rig2" }))).toBe("host_not_found");
    // Unfiltered, the fleet is only rig1.
    const fleet = await result(env.bot, "list_fleet_containers", { all: true });
    expect(fleet.structuredContent.items.length).toBeGreaterThan(0);
    expect(fleet.structuredContent.items.every((item: Json) => item.host === "rig1")).toBe(true);
    const images = await result(env.bot, "list_fleet_images", {});
    expect(images.structuredContent.items.every((item: Json) => item.host === "rig1")).toBe(true);
    const events = await result(env.bot, "list_recent_events", {});
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
      const res = await result(env.bot, "list_recent_events", args);
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
      (await env.target.api("/v1/hosts/rig2", post({ labels: { pool: `mcpsec-${unique}` } }, "PATCH")))
        .status,
    ).toBe(200);
    try {
      const spec = { image: busybox, cmd: ["true"], labels: labels({ "mcpsec.place": unique }) };
      for (const selector of [{ pool: `mcpsec-${unique}` }, { constructor: "x" }, { toString: "x" }]) {
        const res = await result(env.bot, "run_container", { ...spec, hostSelector: { labels: selector } });
        expect(codeOf(res), JSON.stringify(selector)).toBe("no_host_available");
        expect(JSON.stringify(res)).not.toContain("rig2");
      }
      // Both host and hostSelector: the schema refuses it rather than picking one.
      const both = await result(env.bot, "run_container", {
        ...spec,
        host: "rig1",
        hostSelector: { labels: { pool: `mcpsec-${unique}` } },
      });
      expect(codeOf(both)).toBe("invalid_request");
      expect(await containersWith("rig2", `mcpsec.place=${unique}`)).toEqual([]);
      const runs = await readJson(await env.target.api(`/v1/runs?label=mcpsec.place=${unique}`));
      expect(runs.items).toEqual([]);
    } finally {
      await env.target.api("/v1/hosts/rig2", post({ labels: {} }, "PATCH"));
    }
  });

  it("another subject's run on a host outside the grants does not exist for the bot: get, wait, cancel, logs, list", async () => {
    const started = await env.target.api(
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
        const res = await result(env.bot, name, args);
        expect(codeOf(res), name).toBe("run_not_found");
        expect(JSON.stringify(res)).not.toContain("rig2");
      }
      const cursor = Buffer.from(
        JSON.stringify({ createdAt: "9999-12-31T00:00:00.000Z", id: "run_z" }),
      ).toString("base64url");
      for (const args of [{}, { host: "rig2" }, { status: "running" }, { limit: 100 }, { cursor }]) {
        const res = await result(env.bot, "list_runs", args);
        expect(res.isError).toBeFalsy();
        expect(res.structuredContent.items.map((run: Json) => run.id)).not.toContain(id);
      }
      // runs:read may see runs on its hosts, but cancelling needs runs:create.
      const watcher = await env.target.mint("watcher", ["runs:read"], ["*"]);
      const cancel = await result(watcher, "cancel_run", { id, graceSeconds: 0 });
      expect(codeOf(cancel)).toBe("insufficient_scope");
      const still = await readJson(await env.target.api(`/v1/runs/${id}`));
      expect(still.status).toBe("running");
    } finally {
      await env.target.api(`/v1/runs/${id}/cancel?graceSeconds=0`, { method: "POST" });
    }
  });

  it("a bot cannot replay another subject's run by sending its idempotency key as a tool argument", async () => {
    const key = `mcpsec-${unique}`;
    const spec = { host: "rig2", image: busybox, cmd: ["true"], labels: labels({ "mcpsec.idem": unique }) };
    const original = await env.target.api("/v1/runs", {
      ...post(spec),
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    });
    expect(original.status).toBe(201);
    const { id } = await readJson(original);
    for (const name of ["idempotency-key", "Idempotency-Key"]) {
      const res = await result(env.bot, "run_container", { ...spec, [name]: key });
      expect(res.isError).toBe(true);
      // The key is no argument of the tool: refused as unknown before anything else is looked at.
      expect(codeOf(res)).toBe("invalid_request");
      expect(JSON.stringify(res)).not.toContain(id);
    }
    const runs = await readJson(await env.target.api(`/v1/runs?label=mcpsec.idem=${unique}`));
    expect(runs.items.map((run: Json) => run.id)).toEqual([id]);
  });
});
