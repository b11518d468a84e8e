import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { jsonResponse, problemResponses } from "../../openapi/responses.js";
import { HostListSchema } from "../../schemas/host.js";
import { presentHost } from "./present.js";

export const listHostsRoute = createRoute({
  method: "get",
  path: "/v1/hosts",
  operationId: "listHosts",
  tags: ["Hosts"],
  security: [],
  summary: "List registered hosts",
  description: "Every host with its live status from the background health probe; no host is called.",
  responses: {
    200: jsonResponse(HostListSchema, "The hosts, by id."),
    ...problemResponses("internal_error"),
  },
});

export function registerListHosts(app: App): void {
  app.openapi(listHostsRoute, async (c) => {
    const records = c.get("services").hosts.list();
    return c.json({ items: await Promise.all(records.map((record) => presentHost(c, record))) }, 200);
  });
}
