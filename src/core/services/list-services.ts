import { HostParamsSchema } from "../../schemas/params.js";
import { ServiceListSchema } from "../../schemas/service.js";
import { defineOperation } from "../operation.js";
import { SWARM_ERRORS, swarmManager } from "./swarm-access.js";

export const listServices = defineOperation({
  name: "listServices",
  scope: "services:read",
  tags: ["Services"],
  summary: "List the Swarm services of a manager",
  description: "The host must be a Swarm manager (else 409 `not_a_swarm_manager`). Sorted by name.",
  input: HostParamsSchema,
  output: ServiceListSchema,
  errors: [...SWARM_ERRORS],
  http: { method: "get", path: "/v1/hosts/{host}/services", responses: { 200: "The services." } },
  async run(ctx, { host: hostId }) {
    const host = await swarmManager(ctx, hostId);
    return { items: await host.listServices({ signal: ctx.signal }) };
  },
});
