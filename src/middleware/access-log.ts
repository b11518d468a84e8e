import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import { clientWentAway } from "../errors/problem.js";

/** One line per request. Only method, path, status and timing: never headers, so never a token. */
export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  // The status of an answer no one received would be a status no one saw: a client gone is logged as that.
  const gone = clientWentAway(c);
  c.get("services").logger.info(gone ? "client went away" : "request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    ...(gone ? {} : { status: c.res.status }),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  });
});
