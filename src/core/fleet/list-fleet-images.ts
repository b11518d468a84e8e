import { FleetImageListSchema, FleetQuerySchema } from "../../schemas/fleet.js";
import { fanOut, fleetHosts } from "../fan-out.js";
import { defineOperation } from "../operation.js";

export const listFleetImages = defineOperation({
  name: "listFleetImages",
  scope: "images:read",
  tags: ["Fleet"],
  summary: "List images on every host",
  description:
    "The images of every host the token may use (or of the `host`s named), asked in parallel, each tagged " +
    "with its host. A host that fails or passes `timeoutMs` is left out with an entry in `errors`.",
  input: FleetQuerySchema,
  output: FleetImageListSchema,
  errors: ["invalid_request", "host_not_found", "internal_error"],
  audit: () => ({ host: null, target: null }),
  http: { method: "get", path: "/v1/images", responses: { 200: "The images, host by host." } },
  run: (ctx, { host, timeoutMs }) =>
    fanOut(ctx, fleetHosts(ctx, host), timeoutMs, (client, options) => client.listImages(options)),
});
