import { ServiceParamsSchema, ServiceSchema } from "../../schemas/service.js";
import { defineOperation } from "../operation.js";
import { changeService, SWARM_ERRORS } from "./swarm-access.js";

export const rollbackService = defineOperation({
  name: "rollbackService",
  scope: "services:write",
  tags: ["Services"],
  summary: "Roll a Swarm service back to its previous spec",
  description:
    "Swarm returns the service to the spec before its last update and replaces the tasks as its rollback " +
    "config says. The previous spec is checked against the create policy like a new one. A service never " +
    "updated is 409 `conflict`.",
  input: ServiceParamsSchema,
  output: ServiceSchema,
  errors: [...SWARM_ERRORS, "service_not_found", "policy_denied", "conflict"],
  audit: ({ service }) => ({ target: service }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/services/{service}/rollback",
    responses: { 200: "The service, rolling back." },
  },
  run: (ctx, { host: hostId, service }) => changeService(ctx, hostId, service, { kind: "rollback" }),
});
