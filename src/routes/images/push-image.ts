import { principalOf } from "../../auth/authenticate.js";
import { grantedClient, grantedHost } from "../../auth/host-access.js";
import { checkMayWriteImages } from "../../auth/image-grants.js";
import type { App } from "../../env.js";
import { eventStream, streamFormat } from "../../http/event-stream.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, streamableResponse } from "../../openapi/responses.js";
import { ImageDetailSchema, ImageProgressEventSchema, ImagePushSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";

export const pushImageRoute = operation("images:write", {
  method: "post",
  path: "/v1/hosts/{host}/images/push",
  operationId: "pushImage",
  tags: ["Images"],
  summary: "Push an image from a host to its registry",
  description:
    "Pushes `image` (registry, repository and tag in the reference) with `registryAuth` when given, used for this " +
    "call only, else with the registry's stored credentials (only on a host an operator registered). The token's " +
    "`images` policy grant must cover the repository. A push that fails inside Docker's stream is a real error " +
    "(401 `registry_auth_failed`, …). `Accept: application/x-ndjson` or `text/event-stream` streams the progress.",
  request: {
    params: HostParamsSchema,
    body: { content: { "application/json": { schema: ImagePushSchema } }, required: true },
  },
  errors: [
    ...HOST_CALL_ERRORS,
    "image_not_found",
    "registry_auth_failed",
    "policy_denied",
    "unsupported_media_type",
    "too_many_requests",
  ],
  responses: {
    200: streamableResponse(
      "The image, once pushed; or the stream of the push's progress.",
      ImageDetailSchema,
      ImageProgressEventSchema,
    ),
  },
});

export function registerPushImage(app: App): void {
  app.openapi(pushImageRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const { image, registryAuth } = c.req.valid("json");
    c.set("audit", { operationId: "pushImage", host: hostId, target: image });
    checkMayWriteImages(principalOf(c), [image]);
    const host = await grantedClient(c, hostId);
    const auth = await c.get("services").registries.forImage(image, registryAuth, grantedHost(c, hostId));
    const format = streamFormat(c);
    if (!format) {
      await host.pushImage(image, auth, undefined, { signal: c.req.raw.signal });
      return c.json(await host.inspectImage(image, { signal: c.req.raw.signal }), 200);
    }
    return eventStream(c, format, async (send, signal) => {
      await host.pushImage(image, auth, (progress) => send("progress", progress), { signal });
      await send("result", { image: await host.inspectImage(image, { signal }) });
    }) as never;
  });
}
