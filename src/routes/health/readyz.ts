import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { jsonResponse } from "../../openapi/responses.js";

// A readiness probe must answer well within an orchestrator's probe timeout, whatever the hosts do.
const HOST_PROBE_TIMEOUT_MS = 2_000;

const HostProbeSchema = z
  .object({
    id: z.string().openapi({ example: "local" }),
    reachable: z.boolean(),
    latencyMs: z.number().nullable().openapi({ description: "Round trip of `/_ping`, when reachable." }),
    error: z.string().nullable().openapi({ description: "Why the host is not reachable." }),
  })
  .openapi("HostProbe");

const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    store: z.object({ ok: z.boolean(), error: z.string().nullable() }).openapi("StoreProbe"),
    hosts: z.array(HostProbeSchema),
  })
  .openapi("Readiness");

export const readyzRoute = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  tags: ["Health"],
  summary: "Readiness: the store works and every host was probed",
  description:
    "Checks the store and pings every registered Docker host in parallel (at most 2 s each). " +
    "An unreachable host is reported but does not make portcall unready: the other hosts still work. " +
    "Answers 503 when the store cannot be used.",
  security: [],
  responses: {
    200: jsonResponse(ReadinessSchema, "Ready; the body reports each host's reachability."),
    503: jsonResponse(ReadinessSchema, "Not ready: the store cannot be used."),
  },
});

function reason(error: unknown): string {
  return error instanceof ApiError ? error.message : "the check failed unexpectedly";
}

export function registerReadyz(app: App): void {
  app.openapi(readyzRoute, async (c) => {
    const { hosts, checkStore } = c.get("services");
    const [store, probes] = await Promise.all([
      checkStore().then(
        () => ({ ok: true, error: null }),
        (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      ),
      Promise.all(
        hosts.list().map((host) =>
          host.ping({ timeoutMs: HOST_PROBE_TIMEOUT_MS }).then(
            ({ latencyMs }) => ({ id: host.id, reachable: true, latencyMs, error: null }),
            (error: unknown) => ({ id: host.id, reachable: false, latencyMs: null, error: reason(error) }),
          ),
        ),
      ),
    ]);
    const body = { status: store.ok ? ("ready" as const) : ("not_ready" as const), store, hosts: probes };
    return store.ok ? c.json(body, 200) : c.json(body, 503);
  });
}
