import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { Services } from "../../src/env.js";
import { buildOpenApiDocument } from "../../src/openapi/document.js";

/**
 * Routes the app serves on purpose outside the spec: they are not API operations but the spec itself and the
 * page that shows it, public and for people.
 */
// Served but no REST operation: the spec and its docs page, and the MCP endpoint (JSON-RPC, with its own
// discovery document) and the metadata that points MCP clients to how to authorize.
const NOT_OPERATIONS = [
  "GET /openapi.json",
  "GET /docs",
  "GET /docs/assets/{name}",
  "POST /mcp",
  "GET /mcp",
  "DELETE /mcp",
  "GET /.well-known/oauth-protected-resource",
  "GET /.well-known/oauth-protected-resource/mcp",
];

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

// The route definitions alone; this app never serves a request.
const app = createApp({} as Services);

/** Hono's `/v1/runs/:id` (or `:id{regex}`) as OpenAPI's `/v1/runs/{id}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");

function served(): string[] {
  // `ALL` entries are middleware (app.use); a route with middleware is listed once per handler.
  const routes = app.routes.filter((route) => route.method !== "ALL");
  return [...new Set(routes.map((route) => `${route.method} ${openApiPath(route.path)}`))].sort();
}

function documented(): string[] {
  const { paths = {} } = buildOpenApiDocument(app);
  return Object.entries(paths)
    .flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((key) => HTTP_METHODS.has(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

describe("the spec and the app", () => {
  it("have the same operations: every route the app serves is in the spec, and every operation is served", () => {
    const operations = served().filter((route) => !NOT_OPERATIONS.includes(route));
    expect(operations).toEqual(documented());
  });

  it("leave out only the spec itself and its docs page, which the app does serve", () => {
    expect(served()).toEqual(expect.arrayContaining(NOT_OPERATIONS));
    expect(documented()).toEqual(expect.not.arrayContaining(NOT_OPERATIONS));
  });
});
