import { ServiceParamsSchema } from "../../schemas/service.js";
import { defineOperation } from "../operation.js";
import { SWARM_ERRORS, swarmManager } from "./swarm-access.js";

export const removeService = defineOperation({
  name: "removeService",
  scope: "services:write",
  tags: ["Services"],
  summary: "Remove a Swarm service",
  description: "Swarm then stops and removes its tasks' containers.",
  input: ServiceParamsSchema,
  output: undefined,
  errors: [...SWARM_ERRORS, "service_not_found"],
  audit: ({ service }) => ({ target: service }),
  http: { method: "delete", path: "/v1/hosts/{host}/services/{service}", responses: { 204: "Removed." } },
  async run(ctx, { host: hostId, service }) {
    const host = await swarmManager(ctx, hostId);
    await host.removeService(service, { signal: ctx.signal });
    return undefined;
  },
});
