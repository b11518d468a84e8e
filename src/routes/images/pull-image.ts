import { grantedClient, grantedHost } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { eventStream, streamFormat } from "../../http/event-stream.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, streamableResponse } from "../../openapi/responses.js";
import { ImageDetailSchema, ImageProgressEventSchema, ImagePullSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";

export const pullImageRoute = operation("images:write", {
  method: "post",
  path: "/v1/hosts/{host}/images/pull",
  operationId: "pullImage",
  tags: ["Images"],
  summary: "Pull an image onto a host",
  description:
    "Pulls from the image's registry, with `registryAuth` when given (used for this call only, never stored or " +
    "logged), else with the registry's stored credentials (PUT /v1/registries/{address}) if there are any and an operator registered the host. A pull that fails inside Docker's stream is a real error: 404 `image_not_found`, 401 " +
    "`registry_auth_failed`. With `Accept: application/json` the answer comes when the pull is done; with " +
    "`application/x-ndjson` or `text/event-stream` progress streams as it happens, ending in a `result` or an " +
    "`error` event.",
  request: {
    params: HostParamsSchema,
    body: { content: { "application/json": { schema: ImagePullSchema } }, required: true },
  },
  errors: [
    ...HOST_CALL_ERRORS,
    "image_not_found",
    "registry_auth_failed",
    "unsupported_media_type",
    "too_many_requests",
  ],
  responses: {
    200: streamableResponse(
      "The image, once pulled; or the stream of its progress.",
      ImageDetailSchema,
      ImageProgressEventSchema,
    ),
  },
});

export function registerPullImage(app: App): void {
  app.openapi(pullImageRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const { image, platform, registryAuth } = c.req.valid("json");
    c.set("audit", { operationId: "pullImage", host: hostId, target: image });
    const host = await grantedClient(c, hostId);
    const auth = await c.get("services").registries.forImage(image, registryAuth, grantedHost(c, hostId));
    const settings = { platform, auth };
    const format = streamFormat(c);
    if (!format) {
      await host.pullImage(image, settings, undefined, { signal: c.req.raw.signal });
      return c.json(await host.inspectImage(image, { signal: c.req.raw.signal }), 200);
    }
    return eventStream(c, format, async (send, signal) => {
      await host.pullImage(image, settings, (progress) => send("progress", progress), { signal });
      await send("result", { image: await host.inspectImage(image, { signal }) });
    }) as never;
  });
}
