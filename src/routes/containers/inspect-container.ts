import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { HOST_CALL_ERRORS, jsonResponse, problemResponses } from "../../openapi/responses.js";
import { ContainerDetailSchema } from "../../schemas/container.js";
import { ContainerParamsSchema } from "../../schemas/params.js";

export const inspectContainerRoute = createRoute({
  method: "get",
  path: "/v1/hosts/{host}/containers/{id}",
  operationId: "inspectContainer",
  tags: ["Containers"],
  // Open until authentication lands; bound to 127.0.0.1 by default meanwhile.
  security: [],
  summary: "Inspect a container",
  description: "The container's configuration and state, as portcall's own typed shape (not Docker's JSON).",
  request: { params: ContainerParamsSchema },
  responses: {
    200: jsonResponse(ContainerDetailSchema, "The container."),
    ...problemResponses(...HOST_CALL_ERRORS, "container_not_found"),
  },
});

export function registerInspectContainer(app: App): void {
  app.openapi(inspectContainerRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    const host = await c.get("services").hosts.get(hostId);
    return c.json(await host.inspectContainer(id, { signal: c.req.raw.signal }), 200);
  });
}
