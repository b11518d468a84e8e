import { z } from "@hono/zod-openapi";
import { principalOf } from "../../auth/authenticate.js";
import { grantedClient } from "../../auth/host-access.js";
import { checkVolumeOptions } from "../../docker/create-policy.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { HostParamsSchema } from "../../schemas/params.js";
import {
  VolumeCreateSchema,
  VolumeListSchema,
  VolumeParamsSchema,
  VolumeSchema,
} from "../../schemas/volume-network.js";

const VolumePruneSchema = z
  .object({ removed: z.array(z.string()), reclaimedBytes: z.number().int() })
  .openapi("VolumePruneResult");

const listVolumesRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/volumes",
  operationId: "listVolumes",
  tags: ["Volumes"],
  summary: "List volumes on a host",
  request: { params: HostParamsSchema },
  errors: [...HOST_CALL_ERRORS],
  responses: { 200: jsonResponse(VolumeListSchema, "The volumes.") },
});

const inspectVolumeRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/volumes/{name}",
  operationId: "inspectVolume",
  tags: ["Volumes"],
  summary: "Inspect a volume",
  request: { params: VolumeParamsSchema },
  errors: [...HOST_CALL_ERRORS, "volume_not_found"],
  responses: { 200: jsonResponse(VolumeSchema, "The volume.") },
});

const createVolumeRoute = operation("containers:write", {
  method: "post",
  path: "/v1/hosts/{host}/volumes",
  operationId: "createVolume",
  tags: ["Volumes"],
  summary: "Create a volume",
  description:
    "A local volume. Driver options that bind a host path are under the create policy (403 `policy_denied`).",
  request: {
    params: HostParamsSchema,
    body: { content: { "application/json": { schema: VolumeCreateSchema } }, required: true },
  },
  errors: [...HOST_CALL_ERRORS, "policy_denied", "conflict", "unsupported_media_type"],
  responses: { 201: jsonResponse(VolumeSchema, "The volume.") },
});

const removeVolumeRoute = operation("containers:write", {
  method: "delete",
  path: "/v1/hosts/{host}/volumes/{name}",
  operationId: "removeVolume",
  tags: ["Volumes"],
  summary: "Remove a volume",
  description: "A volume a container uses is 409 `conflict`.",
  request: { params: VolumeParamsSchema },
  errors: [...HOST_CALL_ERRORS, "volume_not_found", "conflict"],
  responses: { 204: { description: "Removed." } },
});

const pruneVolumesRoute = operation("containers:write", {
  method: "post",
  path: "/v1/hosts/{host}/volumes/prune",
  operationId: "pruneVolumes",
  tags: ["Volumes"],
  summary: "Remove unused volumes",
  request: { params: HostParamsSchema },
  errors: [...HOST_CALL_ERRORS],
  responses: { 200: jsonResponse(VolumePruneSchema, "What was removed.") },
});

export function registerVolumes(app: App): void {
  app.openapi(listVolumesRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    return c.json({ items: await host.listVolumes({ signal: c.req.raw.signal }) }, 200);
  });
  app.openapi(inspectVolumeRoute, async (c) => {
    const { host: hostId, name } = c.req.valid("param");
    return c.json(
      await (await grantedClient(c, hostId)).inspectVolume(name, { signal: c.req.raw.signal }),
      200,
    );
  });
  app.openapi(createVolumeRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const spec = c.req.valid("json");
    checkVolumeOptions(spec.driverOpts, principalOf(c).policy);
    c.set("audit", { operationId: "createVolume", host: hostId, target: spec.name });
    const host = await grantedClient(c, hostId);
    return c.json(await host.createVolume(spec, { signal: c.req.raw.signal }), 201);
  });
  app.openapi(removeVolumeRoute, async (c) => {
    const { host: hostId, name } = c.req.valid("param");
    c.set("audit", { operationId: "removeVolume", host: hostId, target: name });
    await (await grantedClient(c, hostId)).removeVolume(name, { signal: c.req.raw.signal });
    return c.body(null, 204);
  });
  app.openapi(pruneVolumesRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    return c.json(await host.pruneVolumes({ signal: c.req.raw.signal }), 200);
  });
}
