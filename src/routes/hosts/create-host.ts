import { principalOf } from "../../auth/authenticate.js";
import { checkMayLabel, hostActor } from "../../auth/host-access.js";
import { canUseHost } from "../../auth/principal.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { operation } from "../../openapi/operation.js";
import { createdResponse } from "../../openapi/responses.js";
import { HostCreateSchema, HostSchema } from "../../schemas/host.js";
import { presentHost } from "./present.js";

export const createHostRoute = operation("hosts:write", {
  method: "post",
  path: "/v1/hosts",
  operationId: "createHost",
  tags: ["Hosts"],
  summary: "Register a Docker host",
  description:
    "Registers a daemon reached by `unix://` socket, `tcp://` with mutual TLS, or `ssh://` with a key and a known " +
    "host key. Settings are checked (certificates parse, key matches certificate, socket is readable) before " +
    "anything is stored; private keys and passphrases are encrypted at rest and never returned. The host is not " +
    "contacted: its `status` fills in with the next probe. A non-admin token registers only TLS or SSH hosts, by " +
    "an IP address outside loopback, link-local and metadata ranges (or what `PORTCALL_HOST_ALLOW` allows), sets " +
    "labels only with `hosts:label`, and the host is marked as its subject's (`owner`).",
  request: { body: { content: { "application/json": { schema: HostCreateSchema } }, required: true } },
  errors: ["invalid_request", "forbidden", "host_exists", "unsupported_media_type", "internal_error"],
  responses: {
    201: createdResponse(HostSchema, "The host was registered."),
  },
});

export function registerCreateHost(app: App): void {
  app.openapi(createHostRoute, async (c) => {
    const input = c.req.valid("json");
    const principal = principalOf(c);
    checkMayLabel(principal, input.id, input.labels);
    if (!canUseHost(principal, { id: input.id, labels: input.labels ?? {} })) {
      throw new ApiError(
        "forbidden",
        `The token's host grants do not cover a host "${input.id}" with these labels.`,
      );
    }
    const record = await c.get("services").hosts.create(input, "api", hostActor(principal));
    c.header("Location", `/v1/hosts/${record.id}`);
    return c.json(await presentHost(c, record), 201);
  });
}
