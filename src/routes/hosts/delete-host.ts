import { grantedHost } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HostParamsSchema } from "../../schemas/params.js";

export const deleteHostRoute = operation("hosts:write", {
  method: "delete",
  path: "/v1/hosts/{host}",
  operationId: "deleteHost",
  tags: ["Hosts"],
  summary: "Unregister a host",
  description:
    "Forgets the host and its secrets, and ends calls in flight to it. Its containers are not touched.",
  request: { params: HostParamsSchema },
  errors: ["invalid_request", "host_not_found", "host_read_only", "internal_error"],
  responses: {
    204: { description: "The host was unregistered." },
  },
});

export function registerDeleteHost(app: App): void {
  app.openapi(deleteHostRoute, async (c) => {
    await c.get("services").hosts.remove(grantedHost(c, c.req.valid("param").host).id);
    return c.body(null, 204);
  });
}
