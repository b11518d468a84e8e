import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { problemResponses } from "../../openapi/responses.js";
import { HostParamsSchema } from "../../schemas/params.js";

export const deleteHostRoute = createRoute({
  method: "delete",
  path: "/v1/hosts/{host}",
  operationId: "deleteHost",
  tags: ["Hosts"],
  security: [],
  summary: "Unregister a host",
  description:
    "Forgets the host and its secrets, and ends calls in flight to it. Its containers are not touched.",
  request: { params: HostParamsSchema },
  responses: {
    204: { description: "The host was unregistered." },
    ...problemResponses("invalid_request", "host_not_found", "host_read_only", "internal_error"),
  },
});

export function registerDeleteHost(app: App): void {
  app.openapi(deleteHostRoute, async (c) => {
    await c.get("services").hosts.remove(c.req.valid("param").host);
    return c.body(null, 204);
  });
}
