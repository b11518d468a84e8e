import { mayWriteAnyRepository } from "../../auth/image-grants.js";
import { ApiError, HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImagePruneQuerySchema, ImagePruneSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const pruneImages = defineOperation({
  name: "pruneImages",
  scope: "images:write",
  tags: ["Images"],
  summary: "Remove unused images",
  description:
    "Dangling images only, unless `all=true` (every image no container uses), which removes names of every " +
    "repository and so needs the `images` policy grant `*` (or admin).",
  input: HostParamsSchema.extend(ImagePruneQuerySchema.shape),
  output: ImagePruneSchema,
  errors: [...HOST_CALL_ERRORS, "policy_denied", "internal_error"],
  http: { method: "post", path: "/v1/hosts/{host}/images/prune", responses: { 200: "What was removed." } },
  async run(ctx, { host: hostId, all }) {
    const host = await grantedClient(ctx, hostId);
    if (all && !mayWriteAnyRepository(ctx.principal)) {
      throw new ApiError(
        "policy_denied",
        'Pruning unused tagged images removes names of every repository: it needs the images grant "*" (or admin).',
      );
    }
    return host.pruneImages(all, { signal: ctx.signal });
  },
});
