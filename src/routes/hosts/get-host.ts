import { grantedHost } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { HostSchema } from "../../schemas/host.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { presentHost } from "./present.js";

export const getHostRoute = operation("hosts:read", {
  method: "get",
  path: "/v1/hosts/{host}",
  operationId: "getHost",
  tags: ["Hosts"],
  summary: "Get a registered host",
  request: { params: HostParamsSchema },
  errors: ["invalid_request", "host_not_found", "internal_error"],
  responses: {
    200: jsonResponse(HostSchema, "The host, with its live status."),
  },
});

export function registerGetHost(app: App): void {
  app.openapi(getHostRoute, async (c) => {
    const record = grantedHost(c, c.req.valid("param").host);
    return c.json(await presentHost(c, record), 200);
  });
}
