import { z } from "@hono/zod-openapi";
import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS } from "../../openapi/responses.js";
import { CONTAINER_REF_PATTERN, ContainerParamsSchema } from "../../schemas/params.js";

const RenameSchema = z
  .object({ name: z.string().regex(CONTAINER_REF_PATTERN, "must be letters, digits, '_', '.', '-'") })
  .strict()
  .openapi("ContainerRename", { example: { name: "web-2" } });

export const renameContainerRoute = operation("containers:write", {
  method: "post",
  path: "/v1/hosts/{host}/containers/{id}/rename",
  operationId: "renameContainer",
  tags: ["Containers"],
  summary: "Rename a container",
  description: "A name another container has is 409 `conflict`.",
  request: {
    params: ContainerParamsSchema,
    body: { content: { "application/json": { schema: RenameSchema } }, required: true },
  },
  errors: [...HOST_CALL_ERRORS, "container_not_found", "conflict", "unsupported_media_type"],
  responses: { 204: { description: "Renamed." } },
});

export function registerRenameContainer(app: App): void {
  app.openapi(renameContainerRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    const host = await grantedClient(c, hostId);
    await host.renameContainer(id, c.req.valid("json").name, { signal: c.req.raw.signal });
    return c.body(null, 204);
  });
}
