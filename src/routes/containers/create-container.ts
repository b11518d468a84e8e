import { principalOf } from "../../auth/authenticate.js";
import { grantedClient } from "../../auth/host-access.js";
import { checkCreatedVolumes, toDockerCreateBody } from "../../docker/create-policy.js";
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
    "host network; a named volume that is such a bind) unless the token's `policy` grant allows it, and always " +
    "sets `no-new-privileges` and default memory and pids limits. The image must already be on the host (POST /v1/runs pulls it when missing). " +
    "With `start: true`, a container that cannot start is removed again and the error says why. With an " +
    "`Idempotency-Key`, a retried request creates no second container.",
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
    return respondOnce(c, "createContainer", { hostId, input }, async () => {
      // No request signal from here on: a client that leaves mid-create must not leave a container that its
      // retry (same Idempotency-Key, key forgotten because this failed) then creates a second time.
      const { id } = await host.createContainer(body, name);
      c.set("audit", { operationId: "createContainer", host: hostId, target: id });
      try {
        await checkCreatedVolumes(host, id, principalOf(c).policy);
        if (start) await host.startContainer(id);
        return {
          status: 201,
          body: await host.inspectContainer(id),
          location: `/v1/hosts/${hostId}/containers/${id}`,
        };
      } catch (error) {
        // One call: a container refused for its volumes, that cannot start (a port taken), or whose state cannot
        // be read back, is not left behind for the retry of a failed request to make twice.
        await host.discardContainer(id);
        throw error;
      }
    }) as never;
  });
}
