import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { placeRun } from "../../runs/placement.js";
import { toRun } from "../../runs/run-view.js";
import { IdempotencyHeadersSchema } from "../../schemas/idempotency.js";
import { RunCreateSchema, RunSchema } from "../../schemas/run.js";
import { grantedHost } from "../access.js";
import type { CallContext } from "../context.js";
import { once } from "../idempotency.js";
import { defineOperation } from "../operation.js";

const HEARTBEAT_MS = 5_000;

/** Says every few seconds that the run goes on, to a caller that listens; a long wait is not a silent one. */
async function whileReporting<T>(ctx: CallContext, id: string, waiting: Promise<T>): Promise<T> {
  const report = ctx.progress;
  if (!report) return waiting;
  const since = Date.now();
  const timer = setInterval(() => {
    void report(`Run ${id} is still running (${Math.round((Date.now() - since) / 1000)} s).`).catch(() => {});
  }, HEARTBEAT_MS);
  try {
    return await waiting;
  } finally {
    clearInterval(timer);
  }
}

export const createRun = defineOperation({
  name: "createRun",
  scope: "runs:create",
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
  input: IdempotencyHeadersSchema.extend({ run: RunCreateSchema }),
  output: RunSchema,
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
    "internal_error",
  ],
  // Named once the run exists: a run refused before it started names no host or run.
  audit: (_, run) => ({ host: run?.host ?? null, target: run?.id ?? null }),
  http: {
    method: "post",
    path: "/v1/runs",
    headers: ["idempotency-key"],
    body: "run",
    responses: {
      201: "The run ended within the wait: its exit code and output.",
      202: "The run goes on; `links.wait` gives its end.",
    },
    status: (run) => (run.status === "running" ? 202 : 201),
    location: (run) => `/v1/runs/${run.id}`,
  },
  async run(ctx, { "idempotency-key": key, run: input }) {
    const { principal, services, signal } = ctx;
    const { runs, hosts, registries } = services;
    // The key's fingerprint is the run's spec alone, as it always was.
    return once(
      ctx,
      key,
      input,
      async () => {
        const host = input.host
          ? grantedHost(ctx, input.host)
          : await placeRun(hosts, principal, input.hostSelector?.labels ?? {}, signal);
        const auth = await registries.forImage(input.image, input.registryAuth, host);
        await ctx.progress?.(`Starting on host ${host.id}; ${input.image} is pulled if the host lacks it.`);
        const started = await runs.start({ principal, host, input, auth, signal });
        const waitMs = input.wait ? Math.min(input.timeoutSeconds, runs.maxWaitSeconds) * 1000 : 0;
        if (waitMs === 0) return toRun(started);
        await ctx.progress?.(`Run ${started.id} started; waiting up to ${waitMs / 1000} s for its end.`);
        return toRun(await whileReporting(ctx, started.id, runs.settle(started.id, waitMs, signal)));
      },
      (kept) => grantedHost(ctx, kept.host),
    );
  },
});
