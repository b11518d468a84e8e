import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { HostInfoSchema } from "../../schemas/host-info.js";
import { HostParamsSchema } from "../../schemas/params.js";

export const getHostInfoRoute = operation("hosts:read", {
  method: "get",
  path: "/v1/hosts/{host}/info",
  operationId: "getHostInfo",
  tags: ["Hosts"],
  summary: "Describe a host's Docker daemon",
  description:
    "Engine and API versions, OS and architecture, CPUs and memory, container and image counts, swarm state.",
  request: { params: HostParamsSchema },
  errors: [...HOST_CALL_ERRORS],
  responses: {
    200: jsonResponse(HostInfoSchema, "The daemon's summary."),
  },
});

export function registerGetHostInfo(app: App): void {
  app.openapi(getHostInfoRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    return c.json(await host.info({ signal: c.req.raw.signal }), 200);
  });
}
