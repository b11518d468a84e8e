import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { VolumeParamsSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const removeVolume = defineOperation({
  name: "removeVolume",
  scope: "containers:write",
  tags: ["Volumes"],
  summary: "Remove a volume",
  description: "A volume a container uses is 409 `conflict`.",
  input: VolumeParamsSchema,
  output: undefined,
  errors: [...HOST_CALL_ERRORS, "volume_not_found", "conflict", "internal_error"],
  audit: (input) => ({ target: input.name }),
  http: { method: "delete", path: "/v1/hosts/{host}/volumes/{name}", responses: { 204: "Removed." } },
  async run(ctx, { host: hostId, name }) {
    const host = await grantedClient(ctx, hostId);
    await host.removeVolume(name, { signal: ctx.signal });
    return undefined;
  },
});
