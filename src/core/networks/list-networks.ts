import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { NetworkListSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const listNetworks = defineOperation({
  name: "listNetworks",
  scope: "containers:read",
  tags: ["Networks"],
  summary: "List networks on a host",
  input: HostParamsSchema,
  output: NetworkListSchema,
  errors: [...HOST_CALL_ERRORS, "internal_error"],
  http: { method: "get", path: "/v1/hosts/{host}/networks", responses: { 200: "The networks." } },
  async run(ctx, { host: hostId }) {
    const host = await grantedClient(ctx, hostId);
    return { items: await host.listNetworks({ signal: ctx.signal }) };
  },
});
