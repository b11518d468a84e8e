import { toSwarmServiceSpec } from "../../docker/service-spec.js";
import { IdempotencyKeySchema } from "../../schemas/idempotency.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { ServiceCreateSchema, ServiceSchema } from "../../schemas/service.js";
import { grantedHost } from "../access.js";
import { once } from "../idempotency.js";
import { defineOperation } from "../operation.js";
import { SWARM_ERRORS, swarmManager } from "./swarm-access.js";

export const createService = defineOperation({
  name: "createService",
  scope: "services:write",
  tags: ["Services"],
  summary: "Create a Swarm service",
  description:
    "Takes portcall's own strict schema, never Docker's. The tasks are under the container create policy, " +
    "checked by the same code before the daemon sees the spec: host bind mounts only under a `binds` grant, no " +
    "`host` network without `hostNetwork`, published ports (Swarm publishes on every address of a node) only " +
    "with `publicPorts`, named volumes that bind a host path refused, and default memory and pids limits on " +
    "every task; nothing else that gives power over a node can be said. The image's registry credentials are " +
    "`registryAuth`, else the stored ones (as for a pull). With an `Idempotency-Key`, a retry creates no second " +
    "service.",
  input: HostParamsSchema.extend({
    "idempotency-key": IdempotencyKeySchema,
    service: ServiceCreateSchema,
  }),
  output: ServiceSchema,
  errors: [
    ...SWARM_ERRORS,
    "policy_denied",
    "conflict",
    "registry_auth_failed",
    "unsupported_media_type",
    "payload_too_large",
    "idempotency_key_reuse",
  ],
  audit: ({ service }, created) => ({ target: created?.id ?? service.name }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/services",
    headers: ["idempotency-key"],
    body: "service",
    responses: { 201: "The service as created; its tasks start as Swarm schedules them." },
    location: (service, { host }) => `/v1/hosts/${host}/services/${service.id}`,
  },
  async run(ctx, { host: hostId, "idempotency-key": key, service: input }) {
    const { registryAuth, ...settings } = input;
    const { policy } = ctx.principal;
    // Refused here, before any call to the host: the daemon never sees a spec the policy does not allow.
    const spec = toSwarmServiceSpec(settings, policy, ctx.services.containerDefaults);
    const host = await swarmManager(ctx, hostId);
    const auth = await ctx.services.registries.forImage(
      settings.image,
      registryAuth,
      grantedHost(ctx, hostId),
    );
    // The fingerprint leaves the credentials out: a retry with a renewed password is the same request.
    return once(ctx, key, { hostId, settings }, () => host.createService(spec, { policy, auth }));
  },
});
