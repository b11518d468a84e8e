import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { VolumeParamsSchema, VolumeSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const inspectVolume = defineOperation({
  name: "inspectVolume",
  scope: "containers:read",
  tags: ["Volumes"],
  summary: "Inspect a volume",
  input: VolumeParamsSchema,
  output: VolumeSchema,
  errors: [...HOST_CALL_ERRORS, "volume_not_found", "internal_error"],
  http: { method: "get", path: "/v1/hosts/{host}/volumes/{name}", responses: { 200: "The volume." } },
  async run(ctx, { host: hostId, name }) {
    const host = await grantedClient(ctx, hostId);
    return host.inspectVolume(name, { signal: ctx.signal });
  },
});
