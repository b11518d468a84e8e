import { z } from "@hono/zod-openapi";
import { principalOf } from "../../auth/authenticate.js";
import { grantedClient } from "../../auth/host-access.js";
import { checkMayRemoveImage, checkMayWriteImages, mayWriteAnyRepository } from "../../auth/image-grants.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { ImageReferenceSchema } from "../../schemas/container-create.js";
import {
  ImageDetailSchema,
  ImageHistorySchema,
  ImageListSchema,
  ImageRefQuerySchema,
} from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { booleanQuery } from "../../schemas/query.js";

export const listImagesRoute = operation("images:read", {
  method: "get",
  path: "/v1/hosts/{host}/images",
  operationId: "listImages",
  tags: ["Images"],
  summary: "List images on a host",
  request: { params: HostParamsSchema },
  errors: [...HOST_CALL_ERRORS],
  responses: { 200: jsonResponse(ImageListSchema, "The images.") },
});

export const inspectImageRoute = operation("images:read", {
  method: "get",
  path: "/v1/hosts/{host}/images/inspect",
  operationId: "inspectImage",
  tags: ["Images"],
  summary: "Inspect an image",
  description: "The image is named by the `ref` query parameter, since references hold `/`, `:` and `@`.",
  request: { params: HostParamsSchema, query: ImageRefQuerySchema },
  errors: [...HOST_CALL_ERRORS, "image_not_found"],
  responses: { 200: jsonResponse(ImageDetailSchema, "The image.") },
});

export const imageHistoryRoute = operation("images:read", {
  method: "get",
  path: "/v1/hosts/{host}/images/history",
  operationId: "getImageHistory",
  tags: ["Images"],
  summary: "An image's layers",
  description: "Each step that made the image, newest first: what created it and how much it added.",
  request: { params: HostParamsSchema, query: ImageRefQuerySchema },
  errors: [...HOST_CALL_ERRORS, "image_not_found"],
  responses: { 200: jsonResponse(ImageHistorySchema, "The layers.") },
});

export const removeImageRoute = operation("images:write", {
  method: "delete",
  path: "/v1/hosts/{host}/images",
  operationId: "removeImage",
  tags: ["Images"],
  summary: "Remove an image",
  description:
    "An image a container uses is 409 `conflict` unless `force=true`. Removing a name is a write of it: the " +
    "token's `images` policy grant must cover it (removing by id: every name the image has).",
  request: {
    params: HostParamsSchema,
    query: ImageRefQuerySchema.extend({
      force: booleanQuery(false, "Remove it even if containers use it or it has several tags."),
      noprune: booleanQuery(false, "Keep untagged parent images."),
    }),
  },
  errors: [...HOST_CALL_ERRORS, "image_not_found", "conflict", "policy_denied"],
  responses: { 204: { description: "Removed." } },
});

const ImageTagSchema = z
  .object({ source: ImageReferenceSchema, target: ImageReferenceSchema })
  .strict()
  .openapi("ImageTag", { example: { source: "app:build-42", target: "registry:5000/team/app:1.2" } });

export const tagImageRoute = operation("images:write", {
  method: "post",
  path: "/v1/hosts/{host}/images/tag",
  operationId: "tagImage",
  tags: ["Images"],
  summary: "Tag an image",
  description:
    "Gives the image `source` the additional reference `target` (no digest). The token's `images` policy grant " +
    "must cover `target`'s repository: a tag is what later runs on that host use under that name.",
  request: {
    params: HostParamsSchema,
    body: { content: { "application/json": { schema: ImageTagSchema } }, required: true },
  },
  errors: [...HOST_CALL_ERRORS, "image_not_found", "conflict", "policy_denied", "unsupported_media_type"],
  responses: { 204: { description: "Tagged." } },
});

const ImagePruneSchema = z
  .object({ removed: z.array(z.string()), reclaimedBytes: z.number().int() })
  .openapi("ImagePruneResult");

export const pruneImagesRoute = operation("images:write", {
  method: "post",
  path: "/v1/hosts/{host}/images/prune",
  operationId: "pruneImages",
  tags: ["Images"],
  summary: "Remove unused images",
  description:
    "Dangling images only, unless `all=true` (every image no container uses), which removes names of every " +
    "repository and so needs the `images` policy grant `*` (or admin).",
  request: {
    params: HostParamsSchema,
    query: z.object({ all: booleanQuery(false, "Also remove unused tagged images.") }),
  },
  errors: [...HOST_CALL_ERRORS, "policy_denied"],
  responses: { 200: jsonResponse(ImagePruneSchema, "What was removed.") },
});

export function registerImageQueries(app: App): void {
  app.openapi(tagImageRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const { source, target } = c.req.valid("json");
    c.set("audit", { operationId: "tagImage", host: hostId, target: `${source} -> ${target}` });
    checkMayWriteImages(principalOf(c), [target]);
    await (await grantedClient(c, hostId)).tagImage(source, target, { signal: c.req.raw.signal });
    return c.body(null, 204);
  });
  app.openapi(pruneImagesRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    if (c.req.valid("query").all && !mayWriteAnyRepository(principalOf(c))) {
      throw new ApiError(
        "policy_denied",
        'Pruning unused tagged images removes names of every repository: it needs the images grant "*" (or admin).',
      );
    }
    return c.json(await host.pruneImages(c.req.valid("query").all, { signal: c.req.raw.signal }), 200);
  });
  app.openapi(listImagesRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    return c.json({ items: await host.listImages({ signal: c.req.raw.signal }) }, 200);
  });
  app.openapi(inspectImageRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    return c.json(await host.inspectImage(c.req.valid("query").ref, { signal: c.req.raw.signal }), 200);
  });
  app.openapi(imageHistoryRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    return c.json(await host.imageHistory(c.req.valid("query").ref, { signal: c.req.raw.signal }), 200);
  });
  app.openapi(removeImageRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const { ref, force, noprune } = c.req.valid("query");
    c.set("audit", { operationId: "removeImage", host: hostId, target: ref });
    const host = await grantedClient(c, hostId);
    const principal = principalOf(c);
    if (!mayWriteAnyRepository(principal)) {
      const { repoTags } = await host.inspectImage(ref, { signal: c.req.raw.signal });
      checkMayRemoveImage(principal, ref, repoTags);
    }
    await host.removeImage(ref, { force, noprune }, { signal: c.req.raw.signal });
    return c.body(null, 204);
  });
}
