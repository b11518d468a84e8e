import { expect, it } from "vitest";
import { type Json, readJson } from "../../support/http.js";
import { ACCEPT, mcpAttackTarget, sleep, toolCall } from "../../support/mcp-attack.js";
import { describeWithRig } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { connect, rpc, mintWithId } = env;

  // Authentication and the endpoint itself.

  it("without a valid token /mcp answers 401 and where an MCP client learns how to get one, whatever was sent", async () => {
    const metadata = `${env.target.url}/.well-known/oauth-protected-resource`;
    // Past its 1 s lifetime: portcall allows its own tokens no clock tolerance.
    await sleep(Math.max(0, env.expiringAt + 1_100 - Date.now()));
    const revoked = await mintWithId({ subject: "revoked", scopes: ["containers:read"], hosts: ["rig1"] });
    const live = await connect(revoked.token);
    expect(
      (await live.callTool({ name: "list_containers", arguments: { host: "rig1" } })).isError,
    ).toBeFalsy();
    expect((await env.target.api(`/v1/tokens/${revoked.id}`, { method: "DELETE" })).status).toBe(204);
    const [header, payload] = env.reader.split(".");
    const forged = `${header}.${Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString()),
        scope: "admin",
        hosts: ["*"],
      }),
    ).toString("base64url")}.${env.reader.split(".")[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    const authorizations: Array<string | undefined> = [
      undefined,
      "Basic YWRtaW46YWRtaW4=",
      "Bearer",
      "Bearer ",
      `Bearer ${env.reader} extra`,
      `Token ${env.reader}`,
      `Bearer ${forged}`,
      `Bearer ${unsigned}`,
      `Bearer ${env.expired}`,
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
    const query = await fetch(`${env.target.url}/mcp?access_token=${env.reader}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: ACCEPT, Cookie: `token=${env.reader}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(query.status).toBe(401);
    // The client that was connected before its token was revoked is refused from its next call on.
    await expect(live.callTool({ name: "list_containers", arguments: { host: "rig1" } })).rejects.toThrow(
      /401/,
    );
    const refusals = (await readJson(await env.target.api("/v1/audit?limit=200"))).items.filter(
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
    const authenticated = await rpc(env.reader, huge);
    expect(authenticated.status).toBe(413);
    expect((await readJson(authenticated)).code).toBe("payload_too_large");
    for (const type of [
      "text/plain",
      "application/json; charset=latin1",
      "application/x-www-form-urlencoded",
    ]) {
      const res = await rpc(env.reader, toolCall("list_containers", { host: "rig1" }), {
        "Content-Type": type,
      });
      expect(res.status, type).toBe(415);
    }
    const notJson = await rpc(env.reader, "{not json");
    expect(notJson.status).toBe(400);
    expect((await readJson(notJson)).error.code).toBe(-32700);
  });

  it("GET and DELETE on /mcp open no stream and end no session, with a token or without", async () => {
    for (const method of ["GET", "DELETE"]) {
      const auths: Array<Record<string, string>> = [
        {},
        { Authorization: `Bearer ${env.reader}` },
        { Authorization: `Bearer ${env.target.token}` },
      ];
      for (const headers of auths) {
        const res = await fetch(`${env.target.url}/mcp`, {
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
    const metadata = `${env.target.url}/.well-known/oauth-protected-resource`;
    const forwarded: Array<Record<string, string>> = [
      { "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" },
      { Forwarded: "host=evil.example;proto=https" },
      { "X-Forwarded-Host": "evil.example:443", "X-Original-URL": "https://evil.example/mcp" },
    ];
    for (const headers of forwarded) {
      const challenge = (await rpc(undefined, "{}", headers)).headers.get("www-authenticate") ?? "";
      expect(challenge).toContain(`resource_metadata="${metadata}"`);
      const document = await readJson(await fetch(metadata, { headers }));
      expect(document.resource).toBe(`${env.target.url}/mcp`);
      expect(JSON.stringify(document)).not.toContain("evil");
      const nested = await readJson(await fetch(`${metadata}/mcp`, { headers }));
      expect(nested.resource).toBe(`${env.target.url}/mcp`);
    }
  });
});
