import { ServiceParamsSchema, ServiceSchema, ServiceUpdateSchema } from "../../schemas/service.js";
import { grantedHost } from "../access.js";
import { defineOperation } from "../operation.js";
import { changeService, SWARM_ERRORS } from "./swarm-access.js";

export const updateService = defineOperation({
  name: "updateService",
  scope: "services:write",
  tags: ["Services"],
  summary: "Update a Swarm service (a rolling update)",
  description:
    "Changes what is given (image, replicas, env, ports, labels, constraints, limits) and keeps the rest; " +
    "Swarm then replaces the tasks as the service's update config says. The whole resulting spec is checked " +
    "against the create policy, so a service someone else made with more power cannot be changed through " +
    'portcall. A concurrent change (Swarm\'s "update out of sequence") is re-read and applied again. A new ' +
    "image's registry credentials are `registryAuth`, else the stored ones.",
  input: ServiceParamsSchema.extend({ update: ServiceUpdateSchema }),
  output: ServiceSchema,
  errors: [
    ...SWARM_ERRORS,
    "service_not_found",
    "policy_denied",
    "conflict",
    "registry_auth_failed",
    "unsupported_media_type",
  ],
  audit: ({ service }) => ({ target: service }),
  http: {
    method: "patch",
    path: "/v1/hosts/{host}/services/{service}",
    body: "update",
    responses: { 200: "The service with its new spec; the update rolls on." },
  },
  async run(ctx, { host: hostId, service, update }) {
    const { registryAuth, ...changes } = update;
    const auth = changes.image
      ? await ctx.services.registries.forImage(changes.image, registryAuth, grantedHost(ctx, hostId))
      : undefined;
    const change = { kind: "update" as const, changes, defaults: ctx.services.containerDefaults };
    return changeService(ctx, hostId, service, change, auth);
  },
});
