import { beforeAll, describe, expect, it } from "vitest";
import { SCOPES, type Scope } from "../../src/auth/scopes.js";
import { parseHostAllowList } from "../../src/hosts/connection-policy.js";
import { type TestApp, testApp } from "../support/app.js";
import { type FaultSocket, silentSocket } from "../support/fault-sockets.js";
import { type Json, readJson } from "../support/http.js";
import { sshKeyPair } from "../support/keys.js";

type Operation = { operationId: string; security?: Array<Record<string, string[]>> };

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const json = (token: string, body: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { ...bearer(token), "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

describe("authorization on every operation", () => {
  let app: TestApp;
  let socket: FaultSocket;
  let operations: Array<{ path: string; method: string; operation: Operation }>;

  beforeAll(async () => {
    socket = await silentSocket();
    app = await testApp({ hosts: [{ id: "local", url: socket.url }] });
    const document = await readJson(await app.request("/openapi.json"));
    operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    return () => socket.close();
  });

  /** A request to an operation's path with placeholders filled in, and an empty JSON body where one is taken. */
  const requestFor = (path: string, method: string, headers: Record<string, string>) =>
    app.request(path.replace("{host}", "local").replace("{id}", "00000000-0000-4000-8000-000000000000"), {
      method: method.toUpperCase(),
      headers: {
        ...headers,
        ...(method === "get" || method === "delete" ? {} : { "Content-Type": "application/json" }),
      },
      ...(method === "get" || method === "delete" ? {} : { body: "{}" }),
    });

  it("declares the bearer scheme and one scope on every operation that is not public", async () => {
    const document = await readJson(await app.request("/openapi.json"));
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    const publicPaths = operations
      .filter(({ operation }) => operation.security?.length === 0)
      .map(({ path }) => path);
    expect(publicPaths.sort()).toEqual(["/.well-known/jwks.json", "/healthz", "/readyz"]);
    for (const { operation } of operations) {
      if (operation.security?.length === 0) continue;
      const scopes = operation.security?.[0]?.bearer ?? [];
      expect(scopes, operation.operationId).toHaveLength(1);
      expect(SCOPES).toContain(scopes[0]);
    }
  });

  it("answers 401 without a token and 403 with a token lacking the scope, for every protected operation", async () => {
    const checked: string[] = [];
    for (const { path, method, operation } of operations) {
      if (operation.security?.length === 0) continue;
      const needed = operation.security?.[0]?.bearer?.[0] as Scope;
      const anonymous = await requestFor(path, method, { Authorization: "" });
      expect(anonymous.status, `${operation.operationId} without a token`).toBe(401);

      const other = SCOPES.find((scope) => scope !== needed && scope !== "admin") as Scope;
      const res = await requestFor(path, method, bearer(await app.token([other])));
      expect(res.status, `${operation.operationId} with only ${other}`).toBe(403);
      const problem = await readJson(res);
      expect(problem.code).toBe("insufficient_scope");
      expect(problem.detail).toContain(`"${needed}"`);
      expect(res.headers.get("www-authenticate")).toContain(`scope="${needed}"`);
      const { items } = await app.services.audit.query({ limit: 5 });
      expect(items.find((entry) => entry.requestId === problem.requestId)).toMatchObject({
        operationId: operation.operationId,
        status: 403,
        outcome: "denied",
      });
      checked.push(operation.operationId);
    }
    expect(checked).toEqual(
      expect.arrayContaining(["listContainers", "createHost", "createToken", "listAudit"]),
    );
  });

  it("answers public routes without a token", async () => {
    for (const path of ["/healthz", "/readyz", "/openapi.json", "/.well-known/jwks.json"]) {
      expect((await app.request(path, { headers: { Authorization: "" } })).status, path).toBe(200);
    }
  });
});

describe("host grants", () => {
  let app: TestApp;
  let socket: FaultSocket;

  beforeAll(async () => {
    socket = await silentSocket();
    app = await testApp({
      hosts: [
        { id: "build-1", url: socket.url, labels: { env: "ci" } },
        { id: "build-2", url: socket.url, labels: { env: "ci" } },
        { id: "prod-1", url: socket.url, labels: { env: "prod" } },
      ],
      // Host names a non-admin may register; nothing is dialled in these tests.
      registry: { tokenHostAllow: parseHostAllowList("*.example") },
    });
    return () => socket.close();
  });

  const ids = async (token: string) =>
    (await readJson(await app.request("/v1/hosts", { headers: bearer(token) }))).items.map((h: Json) => h.id);

  it("shows a token only the hosts its grants cover, by id, glob or label", async () => {
    expect(await ids(await app.token(["hosts:read"], ["build-1"]))).toEqual(["build-1"]);
    expect(await ids(await app.token(["hosts:read"], ["build-*"]))).toEqual(["build-1", "build-2"]);
    expect(await ids(await app.token(["hosts:read"], ["label:env=prod"]))).toEqual(["prod-1"]);
    expect(await ids(await app.token(["hosts:read"], ["*"]))).toEqual(["build-1", "build-2", "prod-1"]);
  });

  it("answers 404 host_not_found for a host outside the grants, as if it did not exist", async () => {
    const token = await app.token(["hosts:read", "containers:read"], ["build-1"]);
    for (const path of [
      "/v1/hosts/prod-1",
      "/v1/hosts/prod-1/info",
      "/v1/hosts/prod-1/containers",
      "/v1/hosts/prod-1/containers/abc",
    ]) {
      const res = await app.request(path, { headers: bearer(token) });
      expect(res.status, path).toBe(404);
      expect(await readJson(res)).toMatchObject({
        code: "host_not_found",
        detail: 'Host "prod-1" is not registered.',
      });
    }
  });

  it("refuses host registration to a containers:read token, and outside its grants to a hosts:write one", async () => {
    const reader = await app.token(["containers:read"], ["*"]);
    const denied = await app.request("/v1/hosts", json(reader, { id: "build-9", url: socket.url }));
    expect(denied.status).toBe(403);
    expect((await readJson(denied)).code).toBe("insufficient_scope");

    const builder = await app.token(["hosts:write"], ["build-*"]);
    const key = await sshKeyPair();
    const overSsh = (id: string) => ({
      id,
      url: `ssh://deploy@${id}.example:22`,
      ssh: { privateKey: key.privateKey, hostKey: key.publicKey },
    });
    expect((await app.request("/v1/hosts", json(builder, overSsh("build-9")))).status).toBe(201);
    const outside = await app.request("/v1/hosts", json(builder, overSsh("prod-9")));
    expect(outside.status).toBe(403);
    expect((await readJson(outside)).code).toBe("forbidden");
    expect((await app.request("/v1/hosts/prod-1", json(builder, { name: "x" }, "PATCH"))).status).toBe(404);
    expect(
      (await app.request("/v1/hosts/prod-1", { method: "DELETE", headers: bearer(builder) })).status,
    ).toBe(404);
  });

  it("lets only an admin register a socket or plain TCP, which take no credentials", async () => {
    const builder = await app.token(["hosts:write"], ["build-*"]);
    for (const body of [
      { id: "build-sock", url: socket.url },
      { id: "build-tcp", url: "tcp://127.0.0.1:2375", insecure: true },
    ]) {
      const res = await app.request("/v1/hosts", json(builder, body));
      expect(res.status, body.url).toBe(403);
      expect((await readJson(res)).detail).toMatch(/needs admin/);
    }
    expect((await app.request("/v1/hosts/build-1", json(builder, { url: socket.url }, "PATCH"))).status).toBe(
      403,
    );
  });
});

describe("minting tokens through the API", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp();
  });

  const mint = (token: string, body: unknown) => app.request("/v1/tokens", json(token, body));

  it("mints a narrower token that works at once, shows it once, and lists only metadata", async () => {
    const creator = await app.token(["tokens:write", "hosts:read", "containers:read"], ["build-*"]);
    const res = await mint(creator, {
      name: "bot",
      scopes: ["containers:read"],
      hosts: ["build-1"],
      ttl: "1h",
    });
    expect(res.status).toBe(201);
    const created = await readJson(res);
    expect(created).toMatchObject({
      name: "bot",
      scopes: ["containers:read"],
      hosts: ["build-1"],
      revokedAt: null,
    });
    expect(Date.parse(created.expiresAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(
      (await app.request("/v1/hosts/build-1/containers", { headers: bearer(created.token) })).status,
    ).toBe(404);

    const list = await readJson(await app.request("/v1/tokens", { headers: bearer(creator) }));
    expect(list.items.map((t: Json) => t.id)).toEqual([created.id]);
    expect(JSON.stringify(list)).not.toContain(created.token);
  });

  it.each([
    ["a scope it lacks", { scopes: ["containers:write"], hosts: ["build-1"] }, /scopes containers:write/],
    ["admin", { scopes: ["admin"], hosts: ["build-1"] }, /scopes admin/],
    ["hosts beyond its grants", { scopes: ["containers:read"], hosts: ["*"] }, /hosts \*/],
    [
      "a label selector it does not hold",
      { scopes: ["containers:read"], hosts: ["label:env=prod"] },
      /hosts label/,
    ],
    [
      "policy grants",
      { scopes: ["containers:read"], hosts: ["build-1"], policy: { privileged: true } },
      /policy/,
    ],
    [
      "a longer life than its own",
      { scopes: ["containers:read"], hosts: ["build-1"], ttl: "60d" },
      /lifetime/,
    ],
  ])("refuses to mint a token with %s (403 forbidden, audited)", async (_, body, detail) => {
    const creator = await app.token(["tokens:write", "containers:read"], ["build-*"]);
    const res = await mint(creator, { name: "greedy", ttl: "10m", ...body });
    expect(res.status).toBe(403);
    const problem = await readJson(res);
    expect(problem.code).toBe("forbidden");
    expect(problem.detail).toMatch(detail);
    const { items } = await app.services.audit.query({ limit: 50 });
    expect(items.find((entry) => entry.requestId === problem.requestId)).toMatchObject({
      operationId: "createToken",
      outcome: "denied",
    });
  });

  it("lets only an admin choose another subject for a token", async () => {
    const creator = await app.token(["tokens:write", "containers:read"], ["*"]);
    const res = await mint(creator, {
      name: "spoof",
      scopes: ["containers:read"],
      hosts: ["*"],
      ttl: "10m",
      subject: "alice@corp",
    });
    expect(res.status).toBe(403);
    const admin = await mint(app.adminToken, {
      name: "for-alice",
      scopes: ["containers:read"],
      hosts: ["*"],
      ttl: "10m",
      subject: "alice@corp",
    });
    expect((await readJson(admin)).subject).toBe("alice@corp");
  });

  it("keeps sibling tokens from revoking each other", async () => {
    const parent = await app.token(["tokens:write", "containers:read"], ["*"]);
    const first = await readJson(
      await mint(parent, {
        name: "a",
        scopes: ["tokens:write", "containers:read"],
        hosts: ["*"],
        ttl: "10m",
      }),
    );
    const second = await readJson(
      await mint(parent, { name: "b", scopes: ["containers:read"], hosts: ["*"], ttl: "10m" }),
    );
    const res = await app.request(`/v1/tokens/${second.id}`, {
      method: "DELETE",
      headers: bearer(first.token),
    });
    expect(res.status).toBe(404);
  });

  it("lets a non-admin revoke only tokens it minted or its own", async () => {
    const alice = await app.token(["tokens:write", "containers:read"], ["*"]);
    const other = (
      await app.services.tokens.mint("cli", {
        name: "other",
        scopes: ["hosts:read"],
        hosts: ["*"],
        ttlSeconds: 600,
      })
    ).metadata;
    expect(
      (await app.request(`/v1/tokens/${other.id}`, { method: "DELETE", headers: bearer(alice) })).status,
    ).toBe(404);
    const mine = await readJson(
      await mint(alice, { name: "mine", scopes: ["containers:read"], hosts: ["*"], ttl: "10m" }),
    );
    expect(
      (await app.request(`/v1/tokens/${mine.id}`, { method: "DELETE", headers: bearer(alice) })).status,
    ).toBe(204);
  });
});
