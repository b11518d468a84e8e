import type { App } from "../../env.js";
import { fanOut, fleetHosts } from "../../fleet/fan-out.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { FleetContainerListSchema, FleetQuerySchema } from "../../schemas/fleet.js";
import { ListContainersQuerySchema } from "../containers/list-containers.js";

export const listFleetContainersRoute = operation("containers:read", {
  method: "get",
  path: "/v1/containers",
  operationId: "listFleetContainers",
  tags: ["Fleet"],
  summary: "List containers on every host",
  description:
    "The containers of every host the token may use (or of the `host`s named), asked in parallel, each " +
    "tagged with its host. A host that fails or passes `timeoutMs` is left out with an entry in `errors`: " +
    "the answer is 200 even when every host failed.",
  request: { query: ListContainersQuerySchema.extend(FleetQuerySchema.shape) },
  errors: ["invalid_request", "host_not_found"],
  responses: {
    200: jsonResponse(FleetContainerListSchema, "The containers, host by host, newest first on each."),
  },
});

export function registerListFleetContainers(app: App): void {
  app.openapi(listFleetContainersRoute, async (c) => {
    const { all, label, status, host, timeoutMs } = c.req.valid("query");
    const list = await fanOut(c, fleetHosts(c, host), timeoutMs, (client, options) =>
      client.listContainers({ all, labels: label, status }, options),
    );
    return c.json(list, 200);
  });
}
