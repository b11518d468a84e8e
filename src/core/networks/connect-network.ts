import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";
import { MEMBERSHIP_ERRORS, MembershipInputSchema } from "./membership.js";

export const connectNetwork = defineOperation({
  name: "connectNetwork",
  scope: "containers:write",
  tags: ["Networks"],
  summary: "Connect a container to a network",
  input: MembershipInputSchema,
  output: undefined,
  errors: [...MEMBERSHIP_ERRORS],
  http: {
    method: "post",
    path: "/v1/hosts/{host}/networks/{network}/connect",
    body: "membership",
    responses: { 204: "Done." },
  },
  async run(ctx, { host: hostId, network, membership }) {
    const host = await grantedClient(ctx, hostId);
    await host.connectNetwork(network, membership.container, membership.aliases, { signal: ctx.signal });
    return undefined;
  },
});
