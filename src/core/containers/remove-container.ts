import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { RemoveContainerQuerySchema } from "../../schemas/container-actions.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const removeContainer = defineOperation({
  name: "removeContainer",
  scope: "containers:write",
  tags: ["Containers"],
  summary: "Remove a container",
  description: "A running container is 409 `conflict` unless `force=true` (which kills it first).",
  input: ContainerParamsSchema.extend(RemoveContainerQuerySchema.shape),
  output: undefined,
  errors: [...HOST_CALL_ERRORS, "container_not_found", "conflict", "internal_error"],
  http: {
    method: "delete",
    path: "/v1/hosts/{host}/containers/{id}",
    responses: { 204: "Removed." },
  },
  async run(ctx, { host: hostId, id, force, volumes }) {
    const host = await grantedClient(ctx, hostId);
    await host.removeContainer(id, { force, volumes }, { signal: ctx.signal });
    return undefined;
  },
});
