import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { publicRoute } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";

const HostProbeSchema = z
  .object({
    id: z.string().openapi({ example: "local" }),
    reachable: z.boolean().nullable().openapi({ description: "null if the host could not be probed yet." }),
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

export const readyzRoute = publicRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  tags: ["Health"],
  summary: "Readiness: the store works and every host was probed",
  description:
    "Answers once the first health probe of every registered host has finished, with each host's reachability. " +
    "An unreachable host does not make portcall unready: the other hosts still work. " +
    "Answers 503 when the store cannot be used.",
  errors: [],
  responses: {
    200: jsonResponse(ReadinessSchema, "Ready; the body reports each host's reachability."),
    503: jsonResponse(ReadinessSchema, "Not ready: the store cannot be used."),
  },
});

export function registerReadyz(app: App): void {
  app.openapi(readyzRoute, async (c) => {
    const { hosts, store } = c.get("services");
    const [storeProbe] = await Promise.all([
      store.check().then(
        () => ({ ok: true, error: null }),
        (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      ),
      hosts.firstProbe,
    ]);
    const probes = await Promise.all(
      hosts.list().map(async ({ id }) => {
        const { reachable, latencyMs, error } = await hosts.health(id);
        return { id, reachable, latencyMs, error };
      }),
    );
    const body = {
      status: storeProbe.ok ? ("ready" as const) : ("not_ready" as const),
      store: storeProbe,
      hosts: probes,
    };
    return storeProbe.ok ? c.json(body, 200) : c.json(body, 503);
  });
}
