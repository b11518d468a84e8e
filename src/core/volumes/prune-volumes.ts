import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { VolumePruneResultSchema } from "../../schemas/prune.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const pruneVolumes = defineOperation({
  name: "pruneVolumes",
  scope: "containers:write",
  tags: ["Volumes"],
  summary: "Remove unused volumes",
  input: HostParamsSchema,
  output: VolumePruneResultSchema,
  errors: [...HOST_CALL_ERRORS, "internal_error"],
  http: { method: "post", path: "/v1/hosts/{host}/volumes/prune", responses: { 200: "What was removed." } },
  async run(ctx, { host: hostId }) {
    const host = await grantedClient(ctx, hostId);
    return host.pruneVolumes({ signal: ctx.signal });
  },
});
