import { z } from "zod";
import { HealthSchema } from "../../schemas/health.js";
import { defineOperation } from "../operation.js";

export const getHealth = defineOperation({
  name: "getHealth",
  scope: null,
  tags: ["Health"],
  summary: "Liveness: the process is up",
  description: "Answers without touching the store or any Docker host, so it is safe as a liveness probe.",
  input: z.object({}),
  output: HealthSchema,
  errors: [],
  http: { method: "get", path: "/healthz", responses: { 200: "The process is up." } },
  run: async () => ({ status: "ok" as const }),
});
