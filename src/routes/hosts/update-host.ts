import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { jsonResponse, problemResponses } from "../../openapi/responses.js";
import { HostSchema, HostUpdateSchema } from "../../schemas/host.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { presentHost } from "./present.js";

export const updateHostRoute = createRoute({
  method: "patch",
  path: "/v1/hosts/{host}",
  operationId: "updateHost",
  tags: ["Hosts"],
  security: [],
  summary: "Change a registered host",
  description:
    "Changes only the fields given. A change of `url`, `tls`, `ssh` or `insecure` is checked like a registration " +
    "and replaces the host's connection: calls in flight on the old one are ended.",
  request: {
    params: HostParamsSchema,
    body: { content: { "application/json": { schema: HostUpdateSchema } }, required: true },
  },
  responses: {
    200: jsonResponse(HostSchema, "The host as it is now."),
    ...problemResponses(
      "invalid_request",
      "host_not_found",
      "host_read_only",
      "unsupported_media_type",
      "internal_error",
    ),
  },
});

export function registerUpdateHost(app: App): void {
  app.openapi(updateHostRoute, async (c) => {
    const record = await c.get("services").hosts.update(c.req.valid("param").host, c.req.valid("json"));
    return c.json(await presentHost(c, record), 200);
  });
}
