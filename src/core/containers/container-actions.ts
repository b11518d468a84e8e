import type { z } from "zod";
import type { CallOptions } from "../../docker/call-options.js";
import type { DockerHost } from "../../docker/docker-host.js";
import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { KillQuerySchema, StopQuerySchema } from "../../schemas/container-actions.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

type ContainerSchema = z.ZodObject<typeof ContainerParamsSchema.shape>;

/** One change of a container's state: the path segment after the container, and what it asks the host. */
type Action<I extends ContainerSchema> = {
  verb: string;
  name: string;
  summary: string;
  description: string;
  input: I;
  act(host: DockerHost, input: z.output<I>, options: CallOptions): Promise<unknown>;
};

// A container's state changes are one small resource: each is its own operation, described by one row.
function containerAction<I extends ContainerSchema>({ verb, act, ...row }: Action<I>) {
  return defineOperation({
    ...row,
    scope: "containers:write",
    tags: ["Containers"],
    output: undefined,
    errors: [...HOST_CALL_ERRORS, "container_not_found", "conflict", "internal_error"],
    http: {
      method: "post",
      path: `/v1/hosts/{host}/containers/{id}/${verb}`,
      responses: { 204: "Done." },
    },
    async run(ctx, input) {
      await act(await grantedClient(ctx, input.host), input, { signal: ctx.signal });
      return undefined;
    },
  });
}

export const startContainer = containerAction({
  verb: "start",
  name: "startContainer",
  summary: "Start a container",
  description: "Starting a running container succeeds (Docker's 304 is not an error).",
  input: ContainerParamsSchema,
  act: (host, { id }, options) => host.startContainer(id, options),
});

export const stopContainer = containerAction({
  verb: "stop",
  name: "stopContainer",
  summary: "Stop a container",
  description: "SIGTERM, then SIGKILL after `timeout` seconds. Stopping a stopped container succeeds.",
  input: ContainerParamsSchema.extend(StopQuerySchema.shape),
  act: (host, { id, timeout }, options) => host.stopContainer(id, timeout, options),
});

export const restartContainer = containerAction({
  verb: "restart",
  name: "restartContainer",
  summary: "Restart a container",
  description: "Stops it as `stop` does, then starts it.",
  input: ContainerParamsSchema.extend(StopQuerySchema.shape),
  act: (host, { id, timeout }, options) => host.restartContainer(id, timeout, options),
});

export const killContainer = containerAction({
  verb: "kill",
  name: "killContainer",
  summary: "Send a signal to a container",
  description:
    "SIGKILL unless `signal` says otherwise. A container that is not running answers 409 `conflict`.",
  input: ContainerParamsSchema.extend(KillQuerySchema.shape),
  act: (host, { id, signal }, options) => host.killContainer(id, signal, options),
});

export const pauseContainer = containerAction({
  verb: "pause",
  name: "pauseContainer",
  summary: "Pause a container",
  description: "Freezes its processes (cgroup freezer).",
  input: ContainerParamsSchema,
  act: (host, { id }, options) => host.pauseContainer(id, options),
});

export const unpauseContainer = containerAction({
  verb: "unpause",
  name: "unpauseContainer",
  summary: "Unpause a container",
  description: "Thaws a paused container.",
  input: ContainerParamsSchema,
  act: (host, { id }, options) => host.unpauseContainer(id, options),
});

/** In the order the API document lists them. */
export const CONTAINER_ACTIONS = [
  startContainer,
  stopContainer,
  restartContainer,
  killContainer,
  pauseContainer,
  unpauseContainer,
];
