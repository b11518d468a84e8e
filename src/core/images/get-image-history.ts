import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageHistorySchema, ImageRefQuerySchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const getImageHistory = defineOperation({
  name: "getImageHistory",
  scope: "images:read",
  tags: ["Images"],
  summary: "An image's layers",
  description: "Each step that made the image, newest first: what created it and how much it added.",
  input: HostParamsSchema.extend(ImageRefQuerySchema.shape),
  output: ImageHistorySchema,
  errors: [...HOST_CALL_ERRORS, "image_not_found", "internal_error"],
  http: { method: "get", path: "/v1/hosts/{host}/images/history", responses: { 200: "The layers." } },
  async run(ctx, { host: hostId, ref }) {
    const host = await grantedClient(ctx, hostId);
    return host.imageHistory(ref, { signal: ctx.signal });
  },
});
