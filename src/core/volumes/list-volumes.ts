import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { VolumeListSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const listVolumes = defineOperation({
  name: "listVolumes",
  scope: "containers:read",
  tags: ["Volumes"],
  summary: "List volumes on a host",
  input: HostParamsSchema,
  output: VolumeListSchema,
  errors: [...HOST_CALL_ERRORS, "internal_error"],
  http: { method: "get", path: "/v1/hosts/{host}/volumes", responses: { 200: "The volumes." } },
  async run(ctx, { host: hostId }) {
    const host = await grantedClient(ctx, hostId);
    return { items: await host.listVolumes({ signal: ctx.signal }) };
  },
});
