import { HostSchema, HostUpdateSchema } from "../../schemas/host.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { checkMayLabel, grantedHost, hostActor } from "../access.js";
import { defineOperation } from "../operation.js";
import { presentHost } from "./present.js";

export const updateHost = defineOperation({
  name: "updateHost",
  scope: "hosts:write",
  tags: ["Hosts"],
  summary: "Change a registered host",
  description:
    "Changes only the fields given. A change of `url`, `tls`, `ssh` or `insecure` is checked like a registration " +
    "and replaces the host's connection: calls in flight on the old one are ended. A non-admin token may change " +
    "the connection only of a host its subject registered, and labels only with `hosts:label`.",
  input: HostParamsSchema.extend({ patch: HostUpdateSchema }),
  output: HostSchema,
  errors: [
    "forbidden",
    "invalid_request",
    "host_not_found",
    "host_read_only",
    "unsupported_media_type",
    "internal_error",
  ],
  http: {
    method: "patch",
    path: "/v1/hosts/{host}",
    body: "patch",
    responses: { 200: "The host as it is now." },
  },
  async run(ctx, { host, patch }) {
    const { id, labels } = grantedHost(ctx, host);
    checkMayLabel(ctx.principal, id, patch.labels, labels);
    const record = await ctx.services.hosts.update(id, patch, { actor: hostActor(ctx.principal) });
    return presentHost(ctx.services, record);
  },
});
