import { checkMayWriteImages } from "../../auth/image-grants.js";
import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageTagSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const tagImage = defineOperation({
  name: "tagImage",
  scope: "images:write",
  tags: ["Images"],
  summary: "Tag an image",
  description:
    "Gives the image `source` the additional reference `target` (no digest). The token's `images` policy grant " +
    "must cover `target`'s repository: a tag is what later runs on that host use under that name.",
  input: HostParamsSchema.extend({ tag: ImageTagSchema }),
  output: undefined,
  errors: [
    ...HOST_CALL_ERRORS,
    "image_not_found",
    "conflict",
    "policy_denied",
    "unsupported_media_type",
    "internal_error",
  ],
  audit: ({ host, tag }) => ({ host, target: `${tag.source} -> ${tag.target}` }),
  http: { method: "post", path: "/v1/hosts/{host}/images/tag", body: "tag", responses: { 204: "Tagged." } },
  async run(ctx, { host: hostId, tag: { source, target } }) {
    checkMayWriteImages(ctx.principal, [target]);
    await (await grantedClient(ctx, hostId)).tagImage(source, target, { signal: ctx.signal });
    return undefined;
  },
});
