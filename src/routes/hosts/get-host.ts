import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { jsonResponse, problemResponses } from "../../openapi/responses.js";
import { HostSchema } from "../../schemas/host.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { presentHost } from "./present.js";

export const getHostRoute = createRoute({
  method: "get",
  path: "/v1/hosts/{host}",
  operationId: "getHost",
  tags: ["Hosts"],
  security: [],
  summary: "Get a registered host",
  request: { params: HostParamsSchema },
  responses: {
    200: jsonResponse(HostSchema, "The host, with its live status."),
    ...problemResponses("invalid_request", "host_not_found", "internal_error"),
  },
});

export function registerGetHost(app: App): void {
  app.openapi(getHostRoute, async (c) => {
    const record = c.get("services").hosts.record(c.req.valid("param").host);
    return c.json(await presentHost(c, record), 200);
  });
}
