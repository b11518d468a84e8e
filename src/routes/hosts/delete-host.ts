import { principalOf } from "../../auth/authenticate.js";
import { grantedHost, hostActor } from "../../auth/host-access.js";
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
    "Forgets the host and its secrets, and ends calls in flight to it. Its containers are not touched. A " +
    "non-admin token may remove only a host its subject registered: the freed id could otherwise be taken by " +
    "a daemon of its own, which that host's users would then reach.",
  request: { params: HostParamsSchema },
  errors: ["invalid_request", "forbidden", "host_not_found", "host_read_only", "internal_error"],
  responses: {
    204: { description: "The host was unregistered." },
  },
});

export function registerDeleteHost(app: App): void {
  app.openapi(deleteHostRoute, async (c) => {
    const { id } = grantedHost(c, c.req.valid("param").host);
    await c.get("services").hosts.remove(id, { actor: hostActor(principalOf(c)) });
    return c.body(null, 204);
  });
}
