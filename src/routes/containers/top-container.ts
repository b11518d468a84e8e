import { z } from "@hono/zod-openapi";
import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { ContainerParamsSchema } from "../../schemas/params.js";

const ProcessesSchema = z
  .object({
    titles: z.array(z.string()).openapi({ example: ["PID", "USER", "TIME", "COMMAND"] }),
    processes: z.array(z.array(z.string())).openapi({ example: [["4242", "root", "0:00", "sleep 300"]] }),
  })
  .openapi("ContainerProcesses");

export const topContainerRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/containers/{id}/top",
  operationId: "listContainerProcesses",
  tags: ["Containers"],
  summary: "List a container's processes",
  description:
    "Like `docker top`: the processes running in a running container, as `ps` on the host sees them.",
  request: {
    params: ContainerParamsSchema,
    query: z.object({
      psArgs: z
        .string()
        .regex(/^-?[A-Za-z]{1,16}$/, "must be ps flags such as aux or -ef")
        .default("-ef")
        .openapi({ description: "Flags for ps." }),
    }),
  },
  errors: [...HOST_CALL_ERRORS, "container_not_found", "conflict"],
  responses: { 200: jsonResponse(ProcessesSchema, "The processes.") },
});

export function registerTopContainer(app: App): void {
  app.openapi(topContainerRoute, async (c) => {
    const { host: hostId, id } = c.req.valid("param");
    const host = await grantedClient(c, hostId);
    return c.json(
      await host.topContainer(id, c.req.valid("query").psArgs, { signal: c.req.raw.signal }),
      200,
    );
  });
}
