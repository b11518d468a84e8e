import { z } from "zod";
import { HostListSchema } from "../../schemas/host.js";
import { grantedHosts } from "../access.js";
import { defineOperation } from "../operation.js";
import { presentHost } from "./present.js";

export const listHosts = defineOperation({
  name: "listHosts",
  scope: "hosts:read",
  tags: ["Hosts"],
  summary: "List registered hosts",
  description: "Every host with its live status from the background health probe; no host is called.",
  input: z.object({}),
  output: HostListSchema,
  errors: ["internal_error"],
  http: { method: "get", path: "/v1/hosts", responses: { 200: "The hosts, by id." } },
  async run(ctx) {
    return { items: await Promise.all(grantedHosts(ctx).map((record) => presentHost(ctx.services, record))) };
  },
});
