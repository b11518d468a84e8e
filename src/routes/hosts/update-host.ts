import { principalOf } from "../../auth/authenticate.js";
import { checkMayConnect, grantedHost } from "../../auth/host-access.js";
import { canUseHost } from "../../auth/principal.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
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
    "and replaces the host's connection: calls in flight on the old one are ended.",
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
    const { id } = grantedHost(c, c.req.valid("param").host);
    const patch = c.req.valid("json");
    checkMayConnect(c, patch);
    // A token may not move a host under labels its own grants would not cover.
    if (patch.labels && !canUseHost(principalOf(c), { id, labels: patch.labels })) {
      throw new ApiError(
        "forbidden",
        `The token's host grants would not cover host "${id}" with these labels.`,
      );
    }
    const record = await c.get("services").hosts.update(id, patch);
    return c.json(await presentHost(c, record), 200);
  });
}
