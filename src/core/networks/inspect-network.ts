import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { NetworkParamsSchema, NetworkSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const inspectNetwork = defineOperation({
  name: "inspectNetwork",
  scope: "containers:read",
  tags: ["Networks"],
  summary: "Inspect a network",
  input: NetworkParamsSchema,
  output: NetworkSchema,
  errors: [...HOST_CALL_ERRORS, "network_not_found", "internal_error"],
  http: {
    method: "get",
    path: "/v1/hosts/{host}/networks/{network}",
    responses: { 200: "The network, with its containers." },
  },
  async run(ctx, { host: hostId, network }) {
    const host = await grantedClient(ctx, hostId);
    return host.inspectNetwork(network, { signal: ctx.signal });
  },
});
