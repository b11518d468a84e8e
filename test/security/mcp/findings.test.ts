import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import { expect, it } from "vitest";
import { post } from "../../support/attack.js";
import { type Json, readJson } from "../../support/http.js";
import {
  ACCEPT,
  bytes,
  codeOf,
  LIMIT_BYTES,
  mcpAttackTarget,
  RAW_ERROR,
  sleep,
  toolCall,
} from "../../support/mcp-attack.js";
import { describeWithRig, dockerCli, rigDocker } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { label, unique, busybox, labels, dockerRun, containersWith, processes, rpc, result, audit } = env;

  // FINDINGS. Every test below failed when written: each is an attack that worked, or behaviour that is wrong,
  // and states what portcall should do instead. They pass once the finding is fixed.

  it("a bot cannot hide a refused call from the audit log with an argument portcall cannot put in a path", async () => {
    const hider = await env.target.mint("hider", ["containers:read"], ["rig1"]);
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
    const res = await result(env.reader, "inspect_container", { host: "rig1", id: name });
    expect(res.isError).toBeFalsy();
    expect(bytes(res.structuredContent)).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it("run_container and get_run results stay within 32 KiB for a run with many labels", async () => {
    const many: Record<string, string> = labels();
    for (let i = 0; i < 600; i++)
      many[`mcpsec.label.${String(i).padStart(4, "0")}.${"k".repeat(30)}`] = "v".repeat(50);
    const run = await result(env.bot, "run_container", {
      host: "rig1",
      image: busybox,
      cmd: ["true"],
      labels: many,
    });
    expect(run.isError).toBeFalsy();
    const got = await result(env.bot, "get_run", { id: run.structuredContent.id });
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
    const rest = await env.target.as(env.bot, "/v1/runs", post(spec));
    expect(rest.status).toBe(413);
    // On a connection of its own: the server answers 413 without reading the rest, and may close it under the
    // upload, which must not take a pooled connection of the next test with it.
    const status = await new Promise<number | "closed">((resolve) => {
      const body = JSON.stringify(toolCall("run_container", spec));
      const req = httpRequest(
        `${env.target.url}/mcp`,
        {
          method: "POST",
          agent: false,
          headers: {
            Authorization: `Bearer ${env.bot}`,
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
    const runs = await readJson(await env.target.api(`/v1/runs?label=mcpsec.big=${unique}`));
    expect(runs.items).toEqual([]);
  });

  it("an argument a tool does not take is refused, as REST refuses an unknown key, not silently dropped", async () => {
    for (const [name, extra] of [
      ["create_container", { privileged: true }],
      ["create_container", { Privileged: true, capAdd: ["SYS_ADMIN"] }],
      ["run_container", { privileged: true }],
      ["run_container", { restartPolicy: { name: "always" } }],
    ] as const) {
      const res = await result(env.bot, name, {
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
    const leaver = await env.target.mint("leaver-exec", ["containers:exec"], ["rig1"]);
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
      env.target.as(leaver, `/v1/hosts/rig1/containers/${sleeper}/exec`, {
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
    const { port } = new URL(env.target.url);
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
      env.reader,
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
      const res = await result(env.bot, "pull_image", {
        host: "rig1",
        image: `127.0.0.1:${port}/anything:1`,
      });
      expect(res.isError).toBe(true);
      expect(JSON.stringify(res)).not.toContain(secret);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
