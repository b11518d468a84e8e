import { createChecked } from "../../docker/create-checked.js";
import { toDockerCreateBody } from "../../docker/create-policy.js";
import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ContainerDetailSchema } from "../../schemas/container.js";
import { ContainerCreateSchema } from "../../schemas/container-create.js";
import { IdempotencyKeySchema } from "../../schemas/idempotency.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { once } from "../idempotency.js";
import { defineOperation } from "../operation.js";

export const createContainer = defineOperation({
  name: "createContainer",
  scope: "containers:write",
  tags: ["Containers"],
  summary: "Create (and optionally start) a container",
  description:
    "Takes portcall's own strict schema, never Docker's JSON: unknown keys are refused. The create policy denies " +
    "anything that gives the container power over its host (host bind mounts, publishing beyond loopback, the " +
    "host network; a named volume that is such a bind) unless the token's `policy` grant allows it, and always " +
    "sets `no-new-privileges` and default memory and pids limits. The image must already be on the host (POST /v1/runs pulls it when missing). " +
    "With `start: true`, a container that cannot start is removed again and the error says why. With an " +
    "`Idempotency-Key`, a retried request creates no second container.",
  input: HostParamsSchema.extend({
    "idempotency-key": IdempotencyKeySchema,
    container: ContainerCreateSchema,
  }),
  output: ContainerDetailSchema,
  errors: [
    ...HOST_CALL_ERRORS,
    "policy_denied",
    "image_not_found",
    "conflict",
    "unsupported_media_type",
    "payload_too_large",
    "idempotency_key_reuse",
    "internal_error",
  ],
  audit: (_, container) => ({ target: container?.id ?? null }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/containers",
    headers: ["idempotency-key"],
    body: "container",
    responses: { 201: "The container as created (and started, if asked)." },
    location: (container, { host }) => `/v1/hosts/${host}/containers/${container.id}`,
  },
  async run(ctx, { host: hostId, "idempotency-key": key, container: input }) {
    const { start, name, ...spec } = input;
    const { policy } = ctx.principal;
    const body = toDockerCreateBody({ ...spec, name }, policy, ctx.services.containerDefaults);
    const host = await grantedClient(ctx, hostId);
    // The key's fingerprint is the host and the spec, as it always was. No signal from here on: a client that
    // leaves mid-create must not leave a container that its retry (same key, forgotten because this failed)
    // then creates a second time.
    return once(ctx, key, { hostId, input }, () =>
      createChecked(host, body, name, policy, {
        start,
        created: (id) => {
          // A container that then fails its check or its start is named too: it existed for a moment.
          ctx.audit.target = id;
        },
        ready: (id) => host.inspectContainer(id),
      }),
    );
  },
});
