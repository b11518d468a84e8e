import { ServiceParamsSchema, ServiceScaleSchema, ServiceSchema } from "../../schemas/service.js";
import { defineOperation } from "../operation.js";
import { changeService, SWARM_ERRORS } from "./swarm-access.js";

export const scaleService = defineOperation({
  name: "scaleService",
  scope: "services:write",
  tags: ["Services"],
  summary: "Scale a replicated Swarm service",
  description: "Sets the number of replicas; a global service is 409 `conflict`.",
  input: ServiceParamsSchema.extend({ scale: ServiceScaleSchema }),
  output: ServiceSchema,
  errors: [...SWARM_ERRORS, "service_not_found", "policy_denied", "conflict", "unsupported_media_type"],
  audit: ({ service }) => ({ target: service }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/services/{service}/scale",
    body: "scale",
    responses: { 200: "The service with its new replica count." },
  },
  run: (ctx, { host: hostId, service, scale }) =>
    changeService(ctx, hostId, service, { kind: "scale", replicas: scale.replicas }),
});
