import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { publicRoute } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";

// Counts only: the probe is public, and which hosts exist is for tokens that may see them (GET /v1/hosts).
const HostCountsSchema = z
  .object({
    total: z.number().int(),
    reachable: z.number().int(),
    unreachable: z.number().int(),
    unknown: z.number().int().openapi({ description: "Not probed yet." }),
  })
  .openapi("HostCounts");

const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    store: z.object({ ok: z.boolean(), error: z.string().nullable() }).openapi("StoreProbe"),
    hosts: HostCountsSchema,
  })
  .openapi("Readiness");

export const readyzRoute = publicRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  tags: ["Health"],
  summary: "Readiness: the store works and every host was probed",
  description:
    "Answers once the first health probe of every registered host has finished, with how many are reachable " +
    "(counts only: which hosts exist is for tokens allowed to see them). " +
    "An unreachable host does not make portcall unready: the other hosts still work. " +
    "Answers 503 when the store cannot be used.",
  errors: [],
  responses: {
    200: jsonResponse(ReadinessSchema, "Ready; the body counts reachable and unreachable hosts."),
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
    const health = await Promise.all(hosts.list().map(({ id }) => hosts.health(id)));
    const count = (reachable: boolean | null) => health.filter((h) => h.reachable === reachable).length;
    const probes = {
      total: health.length,
      reachable: count(true),
      unreachable: count(false),
      unknown: count(null),
    };
    const body = {
      status: storeProbe.ok ? ("ready" as const) : ("not_ready" as const),
      store: storeProbe,
      hosts: probes,
    };
    return storeProbe.ok ? c.json(body, 200) : c.json(body, 503);
  });
}
