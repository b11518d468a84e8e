import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageDetailSchema, ImageProgressEventSchema, ImagePullSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient, grantedHost } from "../access.js";
import { defineOperation } from "../operation.js";
import { transferAnswer } from "./image-transfer.js";

export const pullImage = defineOperation({
  name: "pullImage",
  scope: "images:write",
  tags: ["Images"],
  summary: "Pull an image onto a host",
  description:
    "Pulls from the image's registry, with `registryAuth` when given (used for this call only, never stored or " +
    "logged), else with the registry's stored credentials (PUT /v1/registries/{address}) if there are any and an operator registered the host. A pull that fails inside Docker's stream is a real error: 404 `image_not_found`, 401 " +
    "`registry_auth_failed`. With `Accept: application/json` the answer comes when the pull is done; with " +
    "`application/x-ndjson` or `text/event-stream` progress streams as it happens, ending in a `result` or an " +
    "`error` event.",
  input: HostParamsSchema.extend({ pull: ImagePullSchema }),
  output: ImageDetailSchema,
  errors: [
    ...HOST_CALL_ERRORS,
    "image_not_found",
    "registry_auth_failed",
    "unsupported_media_type",
    "too_many_requests",
    "internal_error",
  ],
  audit: ({ host, pull }) => ({ host, target: pull.image }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/images/pull",
    body: "pull",
    responses: { 200: "The image, once pulled; or the stream of its progress." },
  },
  stream: { events: ImageProgressEventSchema },
  async run(ctx, { host: hostId, pull: { image, platform, registryAuth } }) {
    const host = await grantedClient(ctx, hostId);
    const auth = await ctx.services.registries.forImage(image, registryAuth, grantedHost(ctx, hostId));
    return transferAnswer(ctx, host, image, (onProgress, signal) =>
      host.pullImage(image, { platform, auth }, onProgress, { signal }),
    );
  },
});
