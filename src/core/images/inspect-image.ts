import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageDetailSchema, ImageRefQuerySchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const inspectImage = defineOperation({
  name: "inspectImage",
  scope: "images:read",
  tags: ["Images"],
  summary: "Inspect an image",
  description: "The image is named by the `ref` query parameter, since references hold `/`, `:` and `@`.",
  input: HostParamsSchema.extend(ImageRefQuerySchema.shape),
  output: ImageDetailSchema,
  errors: [...HOST_CALL_ERRORS, "image_not_found", "internal_error"],
  http: { method: "get", path: "/v1/hosts/{host}/images/inspect", responses: { 200: "The image." } },
  async run(ctx, { host: hostId, ref }) {
    const host = await grantedClient(ctx, hostId);
    return host.inspectImage(ref, { signal: ctx.signal });
  },
});
