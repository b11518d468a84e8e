import type { App } from "../../env.js";
import { fanOut, fleetHosts } from "../../fleet/fan-out.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { FleetImageListSchema, FleetQuerySchema } from "../../schemas/fleet.js";

export const listFleetImagesRoute = operation("images:read", {
  method: "get",
  path: "/v1/images",
  operationId: "listFleetImages",
  tags: ["Fleet"],
  summary: "List images on every host",
  description:
    "The images of every host the token may use (or of the `host`s named), asked in parallel, each tagged " +
    "with its host. A host that fails or passes `timeoutMs` is left out with an entry in `errors`.",
  request: { query: FleetQuerySchema },
  errors: ["invalid_request", "host_not_found"],
  responses: { 200: jsonResponse(FleetImageListSchema, "The images, host by host.") },
});

export function registerListFleetImages(app: App): void {
  app.openapi(listFleetImagesRoute, async (c) => {
    const { host, timeoutMs } = c.req.valid("query");
    const list = await fanOut(c, fleetHosts(c, host), timeoutMs, (client, options) =>
      client.listImages(options),
    );
    return c.json(list, 200);
  });
}
