import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { NetworkParamsSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const removeNetwork = defineOperation({
  name: "removeNetwork",
  scope: "containers:write",
  tags: ["Networks"],
  summary: "Remove a network",
  input: NetworkParamsSchema,
  output: undefined,
  errors: [...HOST_CALL_ERRORS, "network_not_found", "conflict", "internal_error"],
  audit: (input) => ({ target: input.network }),
  http: { method: "delete", path: "/v1/hosts/{host}/networks/{network}", responses: { 204: "Removed." } },
  async run(ctx, { host: hostId, network }) {
    const host = await grantedClient(ctx, hostId);
    await host.removeNetwork(network, { signal: ctx.signal });
    return undefined;
  },
});
