import { principalOf } from "../../auth/authenticate.js";
import { grantedHost } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { IdempotencyHeadersSchema, respondOnce } from "../../idempotency/respond-once.js";
import { operation } from "../../openapi/operation.js";
import { createdResponse, HOST_CALL_ERRORS } from "../../openapi/responses.js";
import { placeRun } from "../../runs/placement.js";
import { toRun } from "../../runs/run-view.js";
import { type Run, RunCreateSchema, RunSchema } from "../../schemas/run.js";

export const createRunRoute = operation("runs:create", {
  method: "post",
  path: "/v1/runs",
  operationId: "createRun",
  tags: ["Runs"],
  summary: "Run a container and get its result, in one call",
  description:
    "What `docker run` does, on any host: the image is pulled when the host lacks it (`pull`), the container is " +
    "created from portcall's strict schema under the same create policy as POST /v1/hosts/{host}/containers, " +
    "started, and waited for. The wait is armed before the start, so even a container that exits at once is " +
    "caught. When it ends within `timeoutSeconds` the answer is 201 with its exit code, its output (the " +
    "beginning and end of each stream within `outputLimitBytes`) and the time of each phase; otherwise, or " +
    "with `wait: false`, 202 with the run as it goes on: follow its `links` (`wait` long-polls for the end). " +
    "Runs are stored: their end is recorded even across a restart of portcall. `hostSelector` instead of " +
    "`host` lets portcall pick a reachable host whose labels match. With an `Idempotency-Key`, a retried " +
    "request starts no second run.",
  request: {
    headers: IdempotencyHeadersSchema,
    body: { content: { "application/json": { schema: RunCreateSchema } }, required: true },
  },
  errors: [
    ...HOST_CALL_ERRORS,
    "policy_denied",
    "image_not_found",
    "registry_auth_failed",
    "conflict",
    "no_host_available",
    "idempotency_key_reuse",
    "too_many_requests",
    "unsupported_media_type",
    "payload_too_large",
  ],
  responses: {
    201: createdResponse(RunSchema, "The run ended within the wait: its exit code and output."),
    202: createdResponse(RunSchema, "The run goes on; `links.wait` gives its end."),
  },
});

export function registerCreateRun(app: App): void {
  app.openapi(createRunRoute, async (c) => {
    const input = c.req.valid("json");
    const principal = principalOf(c);
    const { runs, hosts, registries } = c.get("services");
    const signal = c.req.raw.signal;
    return respondOnce(
      c,
      "createRun",
      input,
      async () => {
        const host = input.host
          ? grantedHost(c, input.host)
          : await placeRun(hosts, principal, input.hostSelector?.labels ?? {}, signal);
        const auth = await registries.forImage(input.image, input.registryAuth, host);
        const started = await runs.start({ principal, host, input, auth, signal });
        c.set("audit", { operationId: "createRun", host: host.id, target: started.id });
        const waitMs = input.wait ? Math.min(input.timeoutSeconds, runs.maxWaitSeconds) * 1000 : 0;
        const row = waitMs > 0 ? await runs.settle(started.id, waitMs, signal) : started;
        const status = row.status === "running" ? 202 : 201;
        return { status, body: toRun(row), location: `/v1/runs/${row.id}` };
      },
      (kept) => grantedHost(c, (kept as Run).host),
    ) as never;
  });
}
