import { ServiceParamsSchema, ServiceSchema } from "../../schemas/service.js";
import { defineOperation } from "../operation.js";
import { SWARM_ERRORS, swarmManager } from "./swarm-access.js";

export const inspectService = defineOperation({
  name: "inspectService",
  scope: "services:read",
  tags: ["Services"],
  summary: "Inspect a Swarm service",
  input: ServiceParamsSchema,
  output: ServiceSchema,
  errors: [...SWARM_ERRORS, "service_not_found"],
  audit: ({ service }) => ({ target: service }),
  http: { method: "get", path: "/v1/hosts/{host}/services/{service}", responses: { 200: "The service." } },
  async run(ctx, { host: hostId, service }) {
    const host = await swarmManager(ctx, hostId);
    return host.inspectService(service, { signal: ctx.signal });
  },
});
