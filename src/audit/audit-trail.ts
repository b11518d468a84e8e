import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import { auditEntry } from "./audit-entry.js";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Records every mutating request and every refused one (401, 403) once its response is decided; the audit log
 * cuts long fields and throttles what comes without a principal, which anyone can send.
 */
export const auditTrail = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  // A channel that audits each call itself (MCP: one request, many tool calls) leaves the request alone.
  if (c.get("auditedByChannel")) return;
  const status = c.res.status;
  if (status !== 401 && status !== 403 && !MUTATING.has(c.req.method)) return;
  await c.get("services").audit.record(
    auditEntry({
      requestId: c.get("requestId"),
      principal: c.get("principal"),
      target: c.get("audit"),
      channel: c.get("channel") ?? "rest",
      method: c.req.method,
      path: c.req.path,
      status,
      problem: c.get("problem"),
    }),
  );
});
