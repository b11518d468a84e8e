import { principalOf } from "../../auth/authenticate.js";
import { grantedClient } from "../../auth/host-access.js";
import { toDockerCreateBody } from "../../docker/create-policy.js";
import type { App } from "../../env.js";
import { IdempotencyHeadersSchema, respondOnce } from "../../idempotency/respond-once.js";
import { operation } from "../../openapi/operation.js";
import { createdResponse, HOST_CALL_ERRORS } from "../../openapi/responses.js";
import { ContainerDetailSchema } from "../../schemas/container.js";
import { ContainerCreateSchema } from "../../schemas/container-create.js";
import { HostParamsSchema } from "../../schemas/params.js";

export const createContainerRoute = operation("containers:write", {
  method: "post",
  path: "/v1/hosts/{host}/containers",
  operationId: "createContainer",
  tags: ["Containers"],
  summary: "Create (and optionally start) a container",
  description:
    "Takes portcall's own strict schema, never Docker's JSON: unknown keys are refused. The create policy denies " +
    "anything that gives the container power over its host (host bind mounts, publishing beyond loopback, the " +
    "host network) unless the token's `policy` grant allows it, and always sets `no-new-privileges` and default " +
    "memory and pids limits. The image must already be on the host (POST /v1/runs pulls it when missing). " +
    "With an `Idempotency-Key`, a retried request creates no second container.",
  request: {
    params: HostParamsSchema,
    headers: IdempotencyHeadersSchema,
    body: { content: { "application/json": { schema: ContainerCreateSchema } }, required: true },
  },
  errors: [
    ...HOST_CALL_ERRORS,
    "policy_denied",
    "image_not_found",
    "conflict",
    "unsupported_media_type",
    "payload_too_large",
    "idempotency_key_reuse",
  ],
  responses: {
    201: createdResponse(ContainerDetailSchema, "The container as created (and started, if asked)."),
  },
});

export function registerCreateContainer(app: App): void {
  app.openapi(createContainerRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const input = c.req.valid("json");
    const { start, name, ...spec } = input;
    const body = toDockerCreateBody(
      { ...spec, name },
      principalOf(c).policy,
      c.get("services").containerDefaults,
    );
    const host = await grantedClient(c, hostId);
    const options = { signal: c.req.raw.signal };
    return respondOnce(c, "createContainer", { hostId, input }, async () => {
      const { id } = await host.createContainer(body, name, options);
      c.set("audit", { operationId: "createContainer", host: hostId, target: id });
      if (start) await host.startContainer(id, options);
      const location = `/v1/hosts/${hostId}/containers/${id}`;
      return { status: 201, body: await host.inspectContainer(id, options), location };
    }) as never;
  });
}
