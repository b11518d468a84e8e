import { checkVolumeOptions } from "../../docker/create-policy.js";
import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { VolumeCreateSchema, VolumeSchema } from "../../schemas/volume-network.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const createVolume = defineOperation({
  name: "createVolume",
  scope: "containers:write",
  tags: ["Volumes"],
  summary: "Create a volume",
  description:
    "A local volume. Driver options that bind a host path are under the create policy (403 `policy_denied`).",
  input: HostParamsSchema.extend({ spec: VolumeCreateSchema }),
  output: VolumeSchema,
  errors: [...HOST_CALL_ERRORS, "policy_denied", "conflict", "unsupported_media_type", "internal_error"],
  audit: (input) => ({ target: input.spec.name }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/volumes",
    body: "spec",
    responses: { 201: "The volume." },
  },
  async run(ctx, { host: hostId, spec }) {
    checkVolumeOptions(spec.driverOpts, ctx.principal.policy);
    const host = await grantedClient(ctx, hostId);
    return host.createVolume(spec, { signal: ctx.signal });
  },
});
