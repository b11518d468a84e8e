import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { ContainerDetailSchema } from "../../schemas/container.js";
import { ContainerParamsSchema } from "../../schemas/params.js";

export const inspectContainerRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/containers/{id}",
  operationId: "inspectContainer",
  tags: ["Containers"],
  summary: "Inspect a container",
  description: "The container's configuration and state, as portcall's own typed shape (not Docker's JSON).",
  request: { params: ContainerParamsSchema },
  errors: [...HOST_CALL_ERRORS, "container_not_found"],
  responses: {
    200: jsonResponse(ContainerDetailSchema, "The container."),
  },
});

export function registerInspectContainer(app: App): void {
  app.openapi(inspectContainerRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    const host = await grantedClient(c, hostId);
    return c.json(await host.inspectContainer(id, { signal: c.req.raw.signal }), 200);
  });
}
