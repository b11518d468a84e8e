import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { HostInfoSchema } from "../../schemas/host-info.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const getHostInfo = defineOperation({
  name: "getHostInfo",
  scope: "hosts:read",
  tags: ["Hosts"],
  summary: "Describe a host's Docker daemon",
  description:
    "Engine and API versions, OS and architecture, CPUs and memory, container and image counts, swarm state.",
  input: HostParamsSchema,
  output: HostInfoSchema,
  errors: [...HOST_CALL_ERRORS],
  http: { method: "get", path: "/v1/hosts/{host}/info", responses: { 200: "The daemon's summary." } },
  async run(ctx, { host }) {
    return (await grantedClient(ctx, host)).info({ signal: ctx.signal });
  },
});
