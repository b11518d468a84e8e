import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { jsonResponse, problemResponses } from "../../openapi/responses.js";
import { HostCreateSchema, HostSchema } from "../../schemas/host.js";
import { presentHost } from "./present.js";

export const createHostRoute = createRoute({
  method: "post",
  path: "/v1/hosts",
  operationId: "createHost",
  tags: ["Hosts"],
  security: [],
  summary: "Register a Docker host",
  description:
    "Registers a daemon reached by `unix://` socket, `tcp://` with mutual TLS, or `ssh://` with a key and a known " +
    "host key. Settings are checked (certificates parse, key matches certificate, socket is readable) before " +
    "anything is stored; private keys and passphrases are encrypted at rest and never returned. The host is not " +
    "contacted: its `status` fills in with the next probe.",
  request: { body: { content: { "application/json": { schema: HostCreateSchema } }, required: true } },
  responses: {
    201: jsonResponse(HostSchema, "The host was registered."),
    ...problemResponses("invalid_request", "host_exists", "unsupported_media_type", "internal_error"),
  },
});

export function registerCreateHost(app: App): void {
  app.openapi(createHostRoute, async (c) => {
    const record = await c.get("services").hosts.create(c.req.valid("json"));
    c.header("Location", `/v1/hosts/${record.id}`);
    return c.json(await presentHost(c, record), 201);
  });
}
