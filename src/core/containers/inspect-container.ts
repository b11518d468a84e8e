import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ContainerDetailSchema } from "../../schemas/container.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const inspectContainer = defineOperation({
  name: "inspectContainer",
  scope: "containers:read",
  tags: ["Containers"],
  summary: "Inspect a container",
  description: "The container's configuration and state, as portcall's own typed shape (not Docker's JSON).",
  input: ContainerParamsSchema,
  output: ContainerDetailSchema,
  errors: [...HOST_CALL_ERRORS, "container_not_found", "internal_error"],
  http: {
    method: "get",
    path: "/v1/hosts/{host}/containers/{id}",
    responses: { 200: "The container." },
  },
  async run(ctx, { host: hostId, id }) {
    const host = await grantedClient(ctx, hostId);
    return host.inspectContainer(id, { signal: ctx.signal });
  },
});
