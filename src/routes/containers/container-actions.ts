import { z } from "@hono/zod-openapi";
import { grantedClient } from "../../auth/host-access.js";
import type { DockerHost } from "../../docker/docker-host.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS } from "../../openapi/responses.js";
import { ContainerParamsSchema } from "../../schemas/params.js";

const TimeoutQuery = z.object({
  timeout: z.coerce.number().int().min(0).max(3600).default(10).openapi({
    description: "Seconds to wait after SIGTERM before SIGKILL.",
  }),
});
const SignalQuery = z.object({
  signal: z
    .string()
    .regex(/^(SIG)?[A-Z0-9]{2,10}$|^[0-9]{1,2}$/, "must be a signal name like SIGTERM or a number")
    .default("SIGKILL"),
});
const NoQuery = z.object({});

type Action<Q extends z.ZodObject> = {
  verb: string;
  operationId: string;
  summary: string;
  description: string;
  query: Q;
  run: (
    host: DockerHost,
    id: string,
    query: z.infer<Q>,
    options: { signal: AbortSignal },
  ) => Promise<unknown>;
};

// A container's state changes are one small resource: each is its own operation, described by one row.
const ACTIONS = [
  {
    verb: "start",
    operationId: "startContainer",
    summary: "Start a container",
    description: "Starting a running container succeeds (Docker's 304 is not an error).",
    query: NoQuery,
    run: (host, id, _, options) => host.startContainer(id, options),
  } satisfies Action<typeof NoQuery>,
  {
    verb: "stop",
    operationId: "stopContainer",
    summary: "Stop a container",
    description: "SIGTERM, then SIGKILL after `timeout` seconds. Stopping a stopped container succeeds.",
    query: TimeoutQuery,
    run: (host, id, query, options) => host.stopContainer(id, query.timeout, options),
  } satisfies Action<typeof TimeoutQuery>,
  {
    verb: "restart",
    operationId: "restartContainer",
    summary: "Restart a container",
    description: "Stops it as `stop` does, then starts it.",
    query: TimeoutQuery,
    run: (host, id, query, options) => host.restartContainer(id, query.timeout, options),
  } satisfies Action<typeof TimeoutQuery>,
  {
    verb: "kill",
    operationId: "killContainer",
    summary: "Send a signal to a container",
    description:
      "SIGKILL unless `signal` says otherwise. A container that is not running answers 409 `conflict`.",
    query: SignalQuery,
    run: (host, id, query, options) => host.killContainer(id, query.signal, options),
  } satisfies Action<typeof SignalQuery>,
  {
    verb: "pause",
    operationId: "pauseContainer",
    summary: "Pause a container",
    description: "Freezes its processes (cgroup freezer).",
    query: NoQuery,
    run: (host, id, _, options) => host.pauseContainer(id, options),
  } satisfies Action<typeof NoQuery>,
  {
    verb: "unpause",
    operationId: "unpauseContainer",
    summary: "Unpause a container",
    description: "Thaws a paused container.",
    query: NoQuery,
    run: (host, id, _, options) => host.unpauseContainer(id, options),
  } satisfies Action<typeof NoQuery>,
];

function registerAction<Q extends z.ZodObject>(app: App, action: Action<Q>): void {
  const route = operation("containers:write", {
    method: "post",
    path: `/v1/hosts/{host}/containers/{id}/${action.verb}`,
    operationId: action.operationId,
    tags: ["Containers"],
    summary: action.summary,
    description: action.description,
    request: { params: ContainerParamsSchema, query: action.query },
    errors: [...HOST_CALL_ERRORS, "container_not_found", "conflict"],
    responses: { 204: { description: "Done." } },
  });
  app.openapi(route, async (c) => {
    // The path is built from the row, so its types cannot be inferred; the validators above have run.
    const { host: hostId, id } = c.req.valid("param" as never) as z.infer<typeof ContainerParamsSchema>;
    const query = c.req.valid("query" as never) as z.infer<Q>;
    const host = await grantedClient(c, hostId);
    await action.run(host, id, query, { signal: c.req.raw.signal });
    return c.body(null, 204);
  });
}

export function registerContainerActions(app: App): void {
  for (const action of ACTIONS) registerAction(app, action as Action<z.ZodObject>);
}
