import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";

/** One line per request. Only method, path, status and timing: never headers, so never a token. */
export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  c.get("services").logger.info("request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  });
});
