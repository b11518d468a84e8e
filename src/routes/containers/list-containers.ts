import { z } from "@hono/zod-openapi";
import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { ContainerListSchema, ContainerStateSchema } from "../../schemas/container.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { booleanQuery, labelFilterQuery, repeatedQuery } from "../../schemas/query.js";

export const ListContainersQuerySchema = z.object({
  all: booleanQuery(false, "Include stopped containers (like `docker ps -a`)."),
  label: labelFilterQuery("containers"),
  status: repeatedQuery(z.array(ContainerStateSchema)).openapi({
    description: "Only containers in one of these states. Repeat for several.",
    example: ["running"],
  }),
});

export const listContainersRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/containers",
  operationId: "listContainers",
  tags: ["Containers"],
  summary: "List containers on a host",
  description: "Running containers by default; `all=true` adds stopped ones. Never computes container sizes.",
  request: { params: HostParamsSchema, query: ListContainersQuerySchema },
  errors: [...HOST_CALL_ERRORS],
  responses: {
    200: jsonResponse(ContainerListSchema, "The containers, newest first."),
  },
});

export function registerListContainers(app: App): void {
  app.openapi(listContainersRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const { all, label, status } = c.req.valid("query");
    const host = await grantedClient(c, hostId);
    const items = await host.listContainers({ all, labels: label, status }, { signal: c.req.raw.signal });
    return c.json({ items }, 200);
  });
}
