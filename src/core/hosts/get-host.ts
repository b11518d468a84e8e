import { HostSchema } from "../../schemas/host.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedHost } from "../access.js";
import { defineOperation } from "../operation.js";
import { presentHost } from "./present.js";

export const getHost = defineOperation({
  name: "getHost",
  scope: "hosts:read",
  tags: ["Hosts"],
  summary: "Get a registered host",
  input: HostParamsSchema,
  output: HostSchema,
  errors: ["invalid_request", "host_not_found", "internal_error"],
  http: { method: "get", path: "/v1/hosts/{host}", responses: { 200: "The host, with its live status." } },
  run: async (ctx, { host }) => presentHost(ctx.services, grantedHost(ctx, host)),
});
