import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { NetworkCreateSchema, NetworkSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const createNetwork = defineOperation({
  name: "createNetwork",
  scope: "containers:write",
  tags: ["Networks"],
  summary: "Create a bridge network",
  input: HostParamsSchema.extend({ spec: NetworkCreateSchema }),
  output: NetworkSchema,
  errors: [...HOST_CALL_ERRORS, "conflict", "unsupported_media_type", "internal_error"],
  audit: (input) => ({ target: input.spec.name }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/networks",
    body: "spec",
    responses: { 201: "The network." },
  },
  async run(ctx, { host: hostId, spec }) {
    const host = await grantedClient(ctx, hostId);
    return host.createNetwork(spec, { signal: ctx.signal });
  },
});
