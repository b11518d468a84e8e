import { HostParamsSchema } from "../../schemas/params.js";
import { grantedHost, hostActor } from "../access.js";
import { defineOperation } from "../operation.js";

export const deleteHost = defineOperation({
  name: "deleteHost",
  scope: "hosts:write",
  tags: ["Hosts"],
  summary: "Unregister a host",
  description:
    "Forgets the host and its secrets, and ends calls in flight to it. Its containers are not touched. A " +
    "non-admin token may remove only a host its subject registered: the freed id could otherwise be taken by " +
    "a daemon of its own, which that host's users would then reach.",
  input: HostParamsSchema,
  output: undefined,
  errors: ["invalid_request", "forbidden", "host_not_found", "host_read_only", "internal_error"],
  http: { method: "delete", path: "/v1/hosts/{host}", responses: { 204: "The host was unregistered." } },
  async run(ctx, { host }) {
    const { id } = grantedHost(ctx, host);
    await ctx.services.hosts.remove(id, { actor: hostActor(ctx.principal) });
    return undefined;
  },
});
