import { z } from "@hono/zod-openapi";
import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { ContainerParamsSchema } from "../../schemas/params.js";

const WaitResultSchema = z
  .object({
    timedOut: z
      .boolean()
      .openapi({ description: "True when the deadline passed first; call again to keep waiting." }),
    exitCode: z.number().int().nullable(),
    error: z
      .string()
      .nullable()
      .openapi({ description: "Why waiting failed on the daemon's side, if it did." }),
  })
  .openapi("ContainerWaitResult");

export const waitContainerRoute = operation("containers:read", {
  method: "post",
  path: "/v1/hosts/{host}/containers/{id}/wait",
  operationId: "waitContainer",
  tags: ["Containers"],
  summary: "Wait for a container to stop",
  description:
    "Blocks until the container is no longer running (or, with `condition`, exits next or is removed), at most " +
    "`timeoutSeconds`. A bounded long-poll: on `timedOut` the caller asks again.",
  request: {
    params: ContainerParamsSchema,
    query: z.object({
      condition: z.enum(["not-running", "next-exit", "removed"]).default("not-running"),
      timeoutSeconds: z.coerce.number().int().min(1).max(60).default(30),
    }),
  },
  errors: [...HOST_CALL_ERRORS, "container_not_found"],
  responses: { 200: jsonResponse(WaitResultSchema, "How the wait ended.") },
});

export function registerWaitContainer(app: App): void {
  app.openapi(waitContainerRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    const { condition, timeoutSeconds } = c.req.valid("query");
    const host = await grantedClient(c, hostId);
    const result = await host.waitContainer(id, condition, timeoutSeconds * 1000, {
      signal: c.req.raw.signal,
    });
    return c.json(result.timedOut ? { timedOut: true, exitCode: null, error: null } : result, 200);
  });
}
