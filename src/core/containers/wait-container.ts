import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { WaitQuerySchema, WaitResultSchema } from "../../schemas/container-actions.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const waitContainer = defineOperation({
  name: "waitContainer",
  scope: "containers:read",
  tags: ["Containers"],
  summary: "Wait for a container to stop",
  description:
    "Blocks until the container is no longer running (or, with `condition`, exits next or is removed), at most " +
    "`timeoutSeconds`. A bounded long-poll: on `timedOut` the caller asks again.",
  input: ContainerParamsSchema.extend(WaitQuerySchema.shape),
  output: WaitResultSchema,
  errors: [...HOST_CALL_ERRORS, "container_not_found", "internal_error"],
  http: {
    method: "post",
    path: "/v1/hosts/{host}/containers/{id}/wait",
    responses: { 200: "How the wait ended." },
  },
  async run(ctx, { host: hostId, id, condition, timeoutSeconds }) {
    const host = await grantedClient(ctx, hostId);
    const result = await host.waitContainer(id, condition, timeoutSeconds * 1000, { signal: ctx.signal });
    return result.timedOut ? { timedOut: true, exitCode: null, error: null } : result;
  },
});
