import { checkMayWriteImages } from "../../auth/image-grants.js";
import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageDetailSchema, ImageProgressEventSchema, ImagePushSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient, grantedHost } from "../access.js";
import { defineOperation } from "../operation.js";
import { transferAnswer } from "./image-transfer.js";

export const pushImage = defineOperation({
  name: "pushImage",
  scope: "images:write",
  tags: ["Images"],
  summary: "Push an image from a host to its registry",
  description:
    "Pushes `image` (registry, repository and tag in the reference) with `registryAuth` when given, used for this " +
    "call only, else with the registry's stored credentials (only on a host an operator registered). The token's " +
    "`images` policy grant must cover the repository. A push that fails inside Docker's stream is a real error " +
    "(401 `registry_auth_failed`, …). `Accept: application/x-ndjson` or `text/event-stream` streams the progress.",
  input: HostParamsSchema.extend({ push: ImagePushSchema }),
  output: ImageDetailSchema,
  errors: [
    ...HOST_CALL_ERRORS,
    "image_not_found",
    "registry_auth_failed",
    "policy_denied",
    "unsupported_media_type",
    "too_many_requests",
    "internal_error",
  ],
  audit: ({ host, push }) => ({ host, target: push.image }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/images/push",
    body: "push",
    responses: { 200: "The image, once pushed; or the stream of the push's progress." },
  },
  stream: { events: ImageProgressEventSchema },
  async run(ctx, { host: hostId, push: { image, registryAuth } }) {
    checkMayWriteImages(ctx.principal, [image]);
    const host = await grantedClient(ctx, hostId);
    const auth = await ctx.services.registries.forImage(image, registryAuth, grantedHost(ctx, hostId));
    return transferAnswer(ctx, host, image, (onProgress, signal) =>
      host.pushImage(image, auth, onProgress, { signal }),
    );
  },
});
