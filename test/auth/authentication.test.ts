import { generateKeyPairSync } from "node:crypto";
import { type JWTPayload, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { generateSigningKey, type SigningKey } from "../../src/auth/signing-key.js";
import { TOKEN_TYPE } from "../../src/auth/token-service.js";
import { type TestApp, testApp } from "../support/app.js";
import { readJson } from "../support/http.js";

const now = () => Math.floor(Date.now() / 1000);

describe("bearer tokens", () => {
  let key: SigningKey;
  let app: TestApp;
  let knownJti: string;

  /** A token signed with portcall's own key, with any claims and header a test wants. */
  const forge = async (
    claims: JWTPayload,
    header: Record<string, unknown> = {},
    signWith = key.privateKey,
  ) => {
    const jwt = new SignJWT({ scope: "admin", hosts: ["*"], ...claims }).setProtectedHeader({
      alg: "EdDSA",
      typ: TOKEN_TYPE,
      ...header,
    });
    return jwt.sign(signWith);
  };
  const base = () => ({
    iss: "portcall",
    aud: "portcall",
    sub: "tester",
    jti: knownJti,
    iat: now(),
    exp: now() + 600,
  });

  const call = (authorization?: string) =>
    app.request("/v1/hosts", {
      headers: authorization === undefined ? { Authorization: "" } : { Authorization: authorization },
    });

  beforeAll(async () => {
    key = await generateSigningKey();
    app = await testApp({ signingKey: key });
    const minted = await app.services.tokens.mint("cli", {
      name: "known",
      scopes: ["admin"],
      hosts: ["*"],
      ttlSeconds: 600,
    });
    knownJti = minted.metadata.id;
  });

  it("accepts a token portcall minted", async () => {
    expect((await call(`Bearer ${await forge(base())}`)).status).toBe(200);
  });

  it("refuses its own token one second past its expiry: no clock tolerance for tokens portcall signed", async () => {
    const res = await call(`Bearer ${await forge({ ...base(), exp: now() - 1 })}`);
    expect(res.status).toBe(401);
    expect((await readJson(res)).detail).toMatch(/expired/);
  });

  it("refuses a token made with a 1 s lifetime once that second is over, though it was accepted and cached before", async () => {
    const { token } = await app.services.tokens.mint("cli", {
      name: "one-second",
      scopes: ["hosts:read"],
      hosts: ["*"],
      ttlSeconds: 1,
    });
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    // `exp` is whole seconds: at most 1 s after minting the token is past it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const res = await call(`Bearer ${token}`);
    expect(res.status).toBe(401);
    expect((await readJson(res)).detail).toMatch(/expired/);
  });

  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ["no Authorization header", async () => "", /needs a bearer token/],
    ["an empty bearer value", async () => "Bearer ", /must be `Bearer <token>`/],
    ["a Basic credential", async () => "Basic dXNlcjpwYXNz", /must be `Bearer <token>`/],
    ["garbage", async () => "Bearer not-a-jwt", /it is not a JWT/],
    [
      "alg none",
      async () => `Bearer ${new UnsecuredJWT(base()).encode()}`,
      /algorithm is not accepted|malformed/,
    ],
    [
      "HS256 signed with the public key's bytes",
      async () => {
        const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
        const jwt = await new SignJWT({ scope: "admin", hosts: ["*"], ...base() })
          .setProtectedHeader({ alg: "HS256", typ: TOKEN_TYPE })
          .sign(secret);
        return `Bearer ${jwt}`;
      },
      /algorithm is not accepted/,
    ],
    [
      "another Ed25519 key",
      async () => `Bearer ${await forge(base(), {}, generateKeyPairSync("ed25519").privateKey)}`,
      /signature does not verify/,
    ],
    [
      "no exp",
      async () => {
        const { exp: _, ...claims } = base();
        return `Bearer ${await forge(claims)}`;
      },
      /"exp" claim/,
    ],
    ["exp in the past", async () => `Bearer ${await forge({ ...base(), exp: now() - 120 })}`, /expired/],
    [
      "nbf in the future",
      async () => `Bearer ${await forge({ ...base(), nbf: now() + 600 })}`,
      /not valid yet/,
    ],
    ["a wrong iss", async () => `Bearer ${await forge({ ...base(), iss: "someone-else" })}`, /"iss" claim/],
    ["a wrong aud", async () => `Bearer ${await forge({ ...base(), aud: "another-api" })}`, /"aud" claim/],
    ["another token type", async () => `Bearer ${await forge(base(), { typ: "JWT" })}`, /"typ" claim/],
    [
      "a jti portcall never issued",
      async () => `Bearer ${await forge({ ...base(), jti: "00000000-0000-4000-8000-000000000000" })}`,
      /not known to this portcall/,
    ],
  ];

  it.each(cases)(
    "refuses %s with 401 invalid_token, a challenge, and an audit entry",
    async (_, make, detail) => {
      const authorization = await make();
      const res = await call(authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="portcall"/);
      const problem = await readJson(res);
      expect(problem.code).toBe("invalid_token");
      expect(problem.detail).toMatch(detail);
      const { items } = await app.services.audit.query({ limit: 200 });
      expect(items.find((entry) => entry.requestId === problem.requestId)).toMatchObject({
        status: 401,
        outcome: "denied",
        operationId: "listHosts",
        reason: expect.stringContaining("invalid_token"),
      });
    },
  );

  it("names the error in the challenge when a token was given", async () => {
    const res = await call("Bearer not-a-jwt");
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const none = await call("");
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="portcall"');
  });

  it("refuses a revoked token from the very next request, even after it was verified and cached", async () => {
    const { token, metadata } = await app.services.tokens.mint("cli", {
      name: "soon-revoked",
      scopes: ["hosts:read"],
      hosts: ["*"],
      ttlSeconds: 600,
    });
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    const revoked = await app.request(`/v1/tokens/${metadata.id}`, { method: "DELETE" });
    expect(revoked.status).toBe(204);
    const res = await call(`Bearer ${token}`);
    expect(res.status).toBe(401);
    expect((await readJson(res)).detail).toMatch(/revoked/);
  });

  it("never echoes the token in a problem", async () => {
    const forged = await forge({ ...base(), aud: "another-api" });
    const text = await (await call(`Bearer ${forged}`)).text();
    expect(text).not.toContain(forged.split(".")[1]);
  });
});
