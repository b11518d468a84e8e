import { principalOf } from "../../auth/authenticate.js";
import { checkMayLabel, grantedHost, hostActor } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { HostSchema, HostUpdateSchema } from "../../schemas/host.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { presentHost } from "./present.js";

export const updateHostRoute = operation("hosts:write", {
  method: "patch",
  path: "/v1/hosts/{host}",
  operationId: "updateHost",
  tags: ["Hosts"],
  summary: "Change a registered host",
  description:
    "Changes only the fields given. A change of `url`, `tls`, `ssh` or `insecure` is checked like a registration " +
    "and replaces the host's connection: calls in flight on the old one are ended. A non-admin token may change " +
    "the connection only of a host its subject registered, and labels only with `hosts:label`.",
  request: {
    params: HostParamsSchema,
    body: { content: { "application/json": { schema: HostUpdateSchema } }, required: true },
  },
  errors: [
    "forbidden",
    "invalid_request",
    "host_not_found",
    "host_read_only",
    "unsupported_media_type",
    "internal_error",
  ],
  responses: {
    200: jsonResponse(HostSchema, "The host as it is now."),
  },
});

export function registerUpdateHost(app: App): void {
  app.openapi(updateHostRoute, async (c) => {
    const { id, labels } = grantedHost(c, c.req.valid("param").host);
    const patch = c.req.valid("json");
    const principal = principalOf(c);
    checkMayLabel(principal, id, patch.labels, labels);
    const record = await c.get("services").hosts.update(id, patch, { actor: hostActor(principal) });
    return c.json(await presentHost(c, record), 200);
  });
}
