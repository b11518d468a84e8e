import { describe, expect, it } from "vitest";
import { readJson } from "../../support/http.js";
import { appOverSilentDaemon } from "../../support/silent-app.js";

describe("query parameters", () => {
  const app = appOverSilentDaemon("h");

  it("refuses a misspelt one (`?al=true`) with 400 invalid_request naming it and the ones the route takes", async () => {
    const res = await app().request("/v1/hosts/h/containers?al=true");
    expect(res.status).toBe(400);
    const problem = await readJson(res);
    expect(problem.code).toBe("invalid_request");
    expect(problem.detail).toContain(
      "query.al: unknown query parameter (this route takes all, label, status)",
    );
    expect(problem.errors).toEqual([
      {
        location: "query",
        path: "al",
        message: "unknown query parameter (this route takes all, label, status)",
      },
    ]);
  });

  it("refuses any on a route that takes none, a JSON body's route included", async () => {
    const list = await app().request("/v1/tokens?limit=5");
    expect(list.status).toBe(400);
    expect((await readJson(list)).errors).toEqual([
      { location: "query", path: "limit", message: "unknown query parameter (this route takes none)" },
    ]);
    const create = await app().request("/v1/tokens?ttl=1h", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x", scopes: ["hosts:read"], hosts: ["*"], ttl: "1h" }),
    });
    expect(create.status).toBe(400);
    expect((await readJson(create)).errors[0]).toMatchObject({ location: "query", path: "ttl" });
    const names = (await readJson(await app().request("/v1/tokens"))).items.map(
      (t: { name: string }) => t.name,
    );
    expect(names).not.toContain("x");
  });

  it("takes the ones the route knows, repeated ones as lists", async () => {
    const res = await app().request("/v1/runs?host=h&label=team=ci&label=tier=1&limit=5");
    expect(res.status).toBe(200);
    expect((await readJson(res)).items).toEqual([]);
  });

  it("leaves the public routes lenient: a monitor's cache-buster on /healthz or the key set is no error", async () => {
    expect((await app().request("/healthz?_=1700000000")).status).toBe(200);
    expect((await app().request("/.well-known/jwks.json?_=1700000000")).status).toBe(200);
  });
});
