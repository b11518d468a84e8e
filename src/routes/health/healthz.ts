import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { publicRoute } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";

const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

export const healthzRoute = publicRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags: ["Health"],
  summary: "Liveness: the process is up",
  description: "Answers without touching the store or any Docker host, so it is safe as a liveness probe.",
  errors: [],
  responses: { 200: jsonResponse(HealthSchema, "The process is up.") },
});

export function registerHealthz(app: App): void {
  app.openapi(healthzRoute, (c) => c.json({ status: "ok" as const }, 200));
}
