import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OidcVerifier } from "../../src/auth/oidc.js";
import { type TestApp, testApp } from "../support/app.js";
import { type FaultSocket, silentSocket } from "../support/fault-sockets.js";
import { readJson } from "../support/http.js";

/** An OpenID Connect issuer on loopback: a discovery document and a JWKS, counting how often keys are fetched. */
async function fakeIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  let jwksFetches = 0;
  let issuer = "";
  const server: Server = createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    if (req.url === "/.well-known/openid-configuration") {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    } else if (req.url === "/keys") {
      jwksFetches += 1;
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (
    claims: Record<string, unknown>,
    audience = "portcall-api",
    expiration: string | number = "5m",
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject("alice@example.com")
      .setIssuedAt()
      .setExpirationTime(expiration)
      .sign(privateKey);
  return { issuer, sign, jwksFetches: () => jwksFetches, close: () => new Promise((r) => server.close(r)) };
}

describe("tokens from an external OIDC issuer", () => {
  let issuer: Awaited<ReturnType<typeof fakeIssuer>>;
  let socket: FaultSocket;
  let app: TestApp;

  beforeAll(async () => {
    issuer = await fakeIssuer();
    socket = await silentSocket();
    app = await testApp({
      hosts: [
        { id: "ci-1", url: socket.url },
        { id: "prod-1", url: socket.url },
      ],
      oidc: new OidcVerifier({
        issuer: issuer.issuer,
        audience: "portcall-api",
        hostsClaim: "portcall_hosts",
        scopeClaim: "scope",
      }),
    });
  });
  afterAll(async () => {
    await issuer.close();
    await socket.close();
  });

  const hosts = (token: string) =>
    app.request("/v1/hosts", { headers: { Authorization: `Bearer ${token}` } });

  it("maps `scope` and `portcall_hosts` to a principal, finding the keys through discovery", async () => {
    const token = await issuer.sign({ scope: "hosts:read openid profile", portcall_hosts: ["ci-*"] });
    const res = await hosts(token);
    expect(res.status).toBe(200);
    expect((await readJson(res)).items.map((h: { id: string }) => h.id)).toEqual(["ci-1"]);
  });

  it("keeps the key set cached across tokens", async () => {
    const before = issuer.jwksFetches();
    for (let i = 0; i < 3; i++) {
      expect(
        (await hosts(await issuer.sign({ scope: "hosts:read", portcall_hosts: "ci-1 prod-1", nonce: i })))
          .status,
      ).toBe(200);
    }
    expect(issuer.jwksFetches()).toBe(before);
  });

  it("allows an issuer whose clock runs behind 30 s of slack on `exp`, and refuses a token expired longer ago", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { scope: "hosts:read", portcall_hosts: ["ci-1"] };
    expect((await hosts(await issuer.sign(claims, "portcall-api", now - 10))).status).toBe(200);
    const stale = await hosts(await issuer.sign(claims, "portcall-api", now - 60));
    expect(stale.status).toBe(401);
    expect((await readJson(stale)).detail).toMatch(/expired/);
  });

  it("refuses a token for another audience, and scopes it does not carry", async () => {
    const wrongAudience = await issuer.sign({ scope: "hosts:read", portcall_hosts: ["*"] }, "some-other-api");
    expect((await hosts(wrongAudience)).status).toBe(401);
    const noScope = await issuer.sign({ scope: "openid", portcall_hosts: ["*"] });
    expect((await hosts(noScope)).status).toBe(403);
  });
});
