import { checkMayRemoveImage, mayWriteAnyRepository } from "../../auth/image-grants.js";
import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageRemoveQuerySchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const removeImage = defineOperation({
  name: "removeImage",
  scope: "images:write",
  tags: ["Images"],
  summary: "Remove an image",
  description:
    "An image a container uses is 409 `conflict` unless `force=true`. Removing a name is a write of it: the " +
    "token's `images` policy grant must cover it (removing by id: every name the image has).",
  input: HostParamsSchema.extend(ImageRemoveQuerySchema.shape),
  output: undefined,
  errors: [...HOST_CALL_ERRORS, "image_not_found", "conflict", "policy_denied", "internal_error"],
  audit: ({ host, ref }) => ({ host, target: ref }),
  http: { method: "delete", path: "/v1/hosts/{host}/images", responses: { 204: "Removed." } },
  async run(ctx, { host: hostId, ref, force, noprune }) {
    const host = await grantedClient(ctx, hostId);
    if (!mayWriteAnyRepository(ctx.principal)) {
      const { repoTags } = await host.inspectImage(ref, { signal: ctx.signal });
      checkMayRemoveImage(ctx.principal, ref, repoTags);
    }
    await host.removeImage(ref, { force, noprune }, { signal: ctx.signal });
    return undefined;
  },
});
