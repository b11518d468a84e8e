import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";
import { MEMBERSHIP_ERRORS, MembershipInputSchema } from "./membership.js";

export const disconnectNetwork = defineOperation({
  name: "disconnectNetwork",
  scope: "containers:write",
  tags: ["Networks"],
  summary: "Disconnect a container from a network",
  input: MembershipInputSchema,
  output: undefined,
  errors: [...MEMBERSHIP_ERRORS],
  http: {
    method: "post",
    path: "/v1/hosts/{host}/networks/{network}/disconnect",
    body: "membership",
    responses: { 204: "Done." },
  },
  async run(ctx, { host: hostId, network, membership }) {
    const host = await grantedClient(ctx, hostId);
    await host.disconnectNetwork(network, membership.container, { signal: ctx.signal });
    return undefined;
  },
});
