import { grantedHosts } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { HostListSchema } from "../../schemas/host.js";
import { presentHost } from "./present.js";

export const listHostsRoute = operation("hosts:read", {
  method: "get",
  path: "/v1/hosts",
  operationId: "listHosts",
  tags: ["Hosts"],
  summary: "List registered hosts",
  description: "Every host with its live status from the background health probe; no host is called.",
  errors: ["internal_error"],
  responses: {
    200: jsonResponse(HostListSchema, "The hosts, by id."),
  },
});

export function registerListHosts(app: App): void {
  app.openapi(listHostsRoute, async (c) => {
    const records = grantedHosts(c);
    return c.json({ items: await Promise.all(records.map((record) => presentHost(c, record))) }, 200);
  });
}
