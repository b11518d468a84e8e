import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { auditTrail } from "./audit/audit-trail.js";
import { serveOperations } from "./channels/http/serve-catalog.js";
import { serveMcp } from "./channels/mcp/mcp-endpoint.js";
import { OPERATIONS } from "./core/catalog.js";
import type { AppEnv, Services } from "./env.js";
import { onError, onNotFound } from "./errors/problem.js";
import { validationHook } from "./errors/validation.js";
import { accessLog } from "./middleware/access-log.js";
import { buildOpenApiDocument } from "./openapi/document.js";
import { BEARER_SCHEME } from "./openapi/operation.js";

/**
 * The services, or how to get them when a request first needs them: a function builds its services on its
 * first invocation, and a failure to build them is that request's problem rather than a crash at start.
 */
export type ServicesSource = Services | (() => Promise<Services>);

/** Builds the whole HTTP API around its services. Pure: no I/O happens until a request arrives. */
export function createApp(services: ServicesSource): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId({ headerName: "X-Request-Id", limitLength: 128 }));
  app.use(async (c, next) => {
    c.set("services", typeof services === "function" ? await services() : services);
    await next();
  });
  app.use(accessLog);
  app.use(auditTrail);
  // Bodies are read only by operations, after authentication, under their declared types and limits
  // (src/middleware/request-body.ts).
  app.onError(onError);
  app.notFound(onNotFound);

  serveOperations(app, OPERATIONS);
  serveMcp(app, OPERATIONS);

  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A portcall token (`portcall token create`, POST /v1/tokens) or a token of the configured OIDC issuer.",
  });

  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= buildOpenApiDocument(app);
    return c.json(document);
  });
  // The docs page's module is loaded by the first request for it: a server or function that is never asked for
  // its docs never reads them.
  const docs = () => import("./routes/docs/docs-page.js");
  app.get("/docs", async (c) => (await docs()).docsPage(c));
  app.get("/docs/assets/:name", async (c) => (await docs()).docsAssetFile(c));
  return app;
}
