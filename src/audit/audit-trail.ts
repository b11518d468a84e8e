import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Records every mutating request and every refused one (401, 403) once its response is decided; the audit log
 * cuts long fields and throttles what comes without a principal, which anyone can send.
 */
export const auditTrail = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const status = c.res.status;
  const denied = status === 401 || status === 403;
  if (!denied && !MUTATING.has(c.req.method)) return;
  const principal = c.get("principal");
  const audit = c.get("audit");
  const problem = c.get("problem");
  await c.get("services").audit.record({
    time: new Date().toISOString(),
    requestId: c.get("requestId"),
    subject: principal?.subject ?? null,
    tokenId: principal?.tokenId ?? null,
    operationId: audit?.operationId ?? null,
    method: c.req.method,
    path: c.req.path,
    host: audit?.host ?? null,
    target: audit?.target ?? null,
    status,
    outcome: denied ? "denied" : status >= 400 ? "failed" : "allowed",
    reason: problem ? `${problem.code}: ${problem.detail}` : null,
  });
});
