import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { HOST_CALL_ERRORS, jsonResponse, problemResponses } from "../../openapi/responses.js";
import { HostInfoSchema } from "../../schemas/host-info.js";
import { HostParamsSchema } from "../../schemas/params.js";

export const getHostInfoRoute = createRoute({
  method: "get",
  path: "/v1/hosts/{host}/info",
  operationId: "getHostInfo",
  tags: ["Hosts"],
  security: [],
  summary: "Describe a host's Docker daemon",
  description:
    "Engine and API versions, OS and architecture, CPUs and memory, container and image counts, swarm state.",
  request: { params: HostParamsSchema },
  responses: {
    200: jsonResponse(HostInfoSchema, "The daemon's summary."),
    ...problemResponses(...HOST_CALL_ERRORS),
  },
});

export function registerGetHostInfo(app: App): void {
  app.openapi(getHostInfoRoute, async (c) => {
    const host = await c.get("services").hosts.get(c.req.valid("param").host);
    return c.json(await host.info({ signal: c.req.raw.signal }), 200);
  });
}
