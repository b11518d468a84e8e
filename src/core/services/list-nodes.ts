import { HostParamsSchema } from "../../schemas/params.js";
import { NodeListSchema, NodeParamsSchema, NodeSchema } from "../../schemas/service.js";
import { defineOperation } from "../operation.js";
import { SWARM_ERRORS, swarmManager } from "./swarm-access.js";

export const listNodes = defineOperation({
  name: "listNodes",
  scope: "services:read",
  tags: ["Services"],
  summary: "The nodes of a manager's swarm",
  input: HostParamsSchema,
  output: NodeListSchema,
  errors: [...SWARM_ERRORS],
  http: { method: "get", path: "/v1/hosts/{host}/nodes", responses: { 200: "The nodes." } },
  async run(ctx, { host: hostId }) {
    const host = await swarmManager(ctx, hostId);
    return { items: await host.listNodes({ signal: ctx.signal }) };
  },
});

export const inspectNode = defineOperation({
  name: "inspectNode",
  scope: "services:read",
  tags: ["Services"],
  summary: "Inspect a node of a manager's swarm",
  input: NodeParamsSchema,
  output: NodeSchema,
  errors: [...SWARM_ERRORS, "node_not_found"],
  audit: ({ node }) => ({ target: node }),
  http: { method: "get", path: "/v1/hosts/{host}/nodes/{node}", responses: { 200: "The node." } },
  async run(ctx, { host: hostId, node }) {
    const host = await swarmManager(ctx, hostId);
    return host.inspectNode(node, { signal: ctx.signal });
  },
});
