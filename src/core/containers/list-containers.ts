import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ContainerListSchema } from "../../schemas/container.js";
import { ListContainersQuerySchema } from "../../schemas/container-query.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const listContainers = defineOperation({
  name: "listContainers",
  scope: "containers:read",
  tags: ["Containers"],
  summary: "List containers on a host",
  description: "Running containers by default; `all=true` adds stopped ones. Never computes container sizes.",
  input: HostParamsSchema.extend(ListContainersQuerySchema.shape),
  output: ContainerListSchema,
  errors: [...HOST_CALL_ERRORS, "internal_error"],
  http: {
    method: "get",
    path: "/v1/hosts/{host}/containers",
    responses: { 200: "The containers, newest first." },
  },
  async run(ctx, { host: hostId, all, label, status }) {
    const host = await grantedClient(ctx, hostId);
    return { items: await host.listContainers({ all, labels: label, status }, { signal: ctx.signal }) };
  },
});
