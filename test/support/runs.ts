import { expect } from "vitest";
import { type Json, readJson } from "./http.js";
import { rig } from "./rig.js";
import type { RunningServer } from "./server.js";

/** `POST /v1/runs` with `wait: false` on a server's `local` host: the run as it was accepted (202). */
export async function startDetachedRun(
  server: RunningServer,
  cmd: string[],
  options: { remove?: boolean; labels?: Record<string, string> } = {},
): Promise<Json> {
  const res = await server.api("/v1/runs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      host: "local",
      image: rig().images.busybox,
      cmd,
      wait: false,
      remove: options.remove ?? true,
      labels: options.labels ?? {},
    }),
  });
  expect(res.status).toBe(202);
  return readJson(res);
}
