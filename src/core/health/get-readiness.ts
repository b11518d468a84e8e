import { z } from "zod";
import { ReadinessSchema } from "../../schemas/health.js";
import { defineOperation } from "../operation.js";

export const getReadiness = defineOperation({
  name: "getReadiness",
  scope: null,
  tags: ["Health"],
  summary: "Readiness: the store works, every host was probed, and the process is not stopping",
  description:
    "Answers once the first health probe of every registered host has finished, with how many are reachable " +
    "(counts only: which hosts exist is for tokens allowed to see them). " +
    "An unreachable host does not make portcall unready: the other hosts still work. " +
    "Answers 503 when the store cannot be used, and from SIGTERM on (`stopping`), while requests in flight finish.",
  input: z.object({}),
  output: ReadinessSchema,
  errors: [],
  http: {
    method: "get",
    path: "/readyz",
    responses: {
      200: "Ready; the body counts reachable and unreachable hosts.",
      503: "Not ready: the store cannot be used, or the process is stopping.",
    },
    status: (readiness) => (readiness.status === "ready" ? 200 : 503),
  },
  async run({ services: { hosts, store, logger, stopping } }) {
    const [storeProbe] = await Promise.all([
      store.check().then(
        () => ({ ok: true, error: null }),
        (error: unknown) => {
          // Anyone may ask: what failed goes to the log, not to them (a database's address, its user name).
          logger.error("store check failed", {
            error: error instanceof Error ? error.message : String(error),
          });
          return { ok: false, error: "The store cannot be used; the server log says why." };
        },
      ),
      hosts.firstProbe,
    ]);
    const health = await Promise.all(hosts.list().map(({ id }) => hosts.health(id)));
    const count = (reachable: boolean | null) => health.filter((h) => h.reachable === reachable).length;
    return {
      status: storeProbe.ok && !stopping.aborted ? ("ready" as const) : ("not_ready" as const),
      stopping: stopping.aborted,
      store: storeProbe,
      hosts: {
        total: health.length,
        reachable: count(true),
        unreachable: count(false),
        unknown: count(null),
      },
    };
  },
});
