import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ProcessesQuerySchema, ProcessesSchema } from "../../schemas/container-actions.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const listContainerProcesses = defineOperation({
  name: "listContainerProcesses",
  scope: "containers:read",
  tags: ["Containers"],
  summary: "List a container's processes",
  description:
    "Like `docker top`: the processes running in a running container, as `ps` on the host sees them.",
  input: ContainerParamsSchema.extend(ProcessesQuerySchema.shape),
  output: ProcessesSchema,
  errors: [...HOST_CALL_ERRORS, "container_not_found", "conflict", "internal_error"],
  http: {
    method: "get",
    path: "/v1/hosts/{host}/containers/{id}/top",
    responses: { 200: "The processes." },
  },
  async run(ctx, { host: hostId, id, psArgs }) {
    const host = await grantedClient(ctx, hostId);
    return host.topContainer(id, psArgs, { signal: ctx.signal });
  },
});
