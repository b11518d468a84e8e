import { ListContainersQuerySchema } from "../../schemas/container-query.js";
import { FleetContainerListSchema, FleetQuerySchema } from "../../schemas/fleet.js";
import { fanOut, fleetHosts } from "../fan-out.js";
import { defineOperation } from "../operation.js";

export const listFleetContainers = defineOperation({
  name: "listFleetContainers",
  scope: "containers:read",
  tags: ["Fleet"],
  summary: "List containers on every host",
  description:
    "The containers of every host the token may use (or of the `host`s named), asked in parallel, each " +
    "tagged with its host. A host that fails or passes `timeoutMs` is left out with an entry in `errors`: " +
    "the answer is 200 even when every host failed.",
  input: ListContainersQuerySchema.extend(FleetQuerySchema.shape),
  output: FleetContainerListSchema,
  errors: ["invalid_request", "host_not_found", "internal_error"],
  // A fleet call names no one host.
  audit: () => ({ host: null, target: null }),
  http: {
    method: "get",
    path: "/v1/containers",
    responses: { 200: "The containers, host by host, newest first on each." },
  },
  run: (ctx, { all, label, status, host, timeoutMs }) =>
    fanOut(ctx, fleetHosts(ctx, host), timeoutMs, (client, options) =>
      client.listContainers({ all, labels: label, status }, options),
    ),
});
