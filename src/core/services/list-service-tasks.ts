import { ServiceParamsSchema, TaskListSchema, TaskQuerySchema } from "../../schemas/service.js";
import { defineOperation } from "../operation.js";
import { SWARM_ERRORS, swarmManager } from "./swarm-access.js";

export const listServiceTasks = defineOperation({
  name: "listServiceTasks",
  scope: "services:read",
  tags: ["Services"],
  summary: "The tasks of a Swarm service",
  description:
    "Every task Swarm still keeps (running ones and those an update or a failure replaced), with its node and " +
    "state, by slot, newest first; `state=running` keeps only those meant to run.",
  input: ServiceParamsSchema.extend(TaskQuerySchema.shape),
  output: TaskListSchema,
  errors: [...SWARM_ERRORS, "service_not_found"],
  audit: ({ service }) => ({ target: service }),
  http: {
    method: "get",
    path: "/v1/hosts/{host}/services/{service}/tasks",
    responses: { 200: "The tasks." },
  },
  async run(ctx, { host: hostId, service, state }) {
    const host = await swarmManager(ctx, hostId);
    return { items: await host.listTasks({ service, desiredState: state }, { signal: ctx.signal }) };
  },
});
