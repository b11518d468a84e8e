import { z } from "@hono/zod-openapi";
import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS } from "../../openapi/responses.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { booleanQuery } from "../../schemas/query.js";

export const removeContainerRoute = operation("containers:write", {
  method: "delete",
  path: "/v1/hosts/{host}/containers/{id}",
  operationId: "removeContainer",
  tags: ["Containers"],
  summary: "Remove a container",
  description: "A running container is 409 `conflict` unless `force=true` (which kills it first).",
  request: {
    params: ContainerParamsSchema,
    query: z.object({
      force: booleanQuery(false, "Kill it first if it is running."),
      volumes: booleanQuery(false, "Also remove its anonymous volumes."),
    }),
  },
  errors: [...HOST_CALL_ERRORS, "container_not_found", "conflict"],
  responses: { 204: { description: "Removed." } },
});

export function registerRemoveContainer(app: App): void {
  app.openapi(removeContainerRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    const host = await grantedClient(c, hostId);
    await host.removeContainer(id, c.req.valid("query"), { signal: c.req.raw.signal });
    return c.body(null, 204);
  });
}
