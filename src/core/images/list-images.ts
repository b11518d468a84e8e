import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageListSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const listImages = defineOperation({
  name: "listImages",
  scope: "images:read",
  tags: ["Images"],
  summary: "List images on a host",
  input: HostParamsSchema,
  output: ImageListSchema,
  errors: [...HOST_CALL_ERRORS, "internal_error"],
  http: { method: "get", path: "/v1/hosts/{host}/images", responses: { 200: "The images." } },
  async run(ctx, { host: hostId }) {
    const host = await grantedClient(ctx, hostId);
    return { items: await host.listImages({ signal: ctx.signal }) };
  },
});
