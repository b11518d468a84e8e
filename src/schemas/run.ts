import { z } from "@hono/zod-openapi";
import { type ContainerSpec, ContainerSpecSchema } from "./container-create.js";
import { RegistryAuthSchema } from "./image.js";
import { HostIdSchema } from "./params.js";

export const RUN_STATUSES = ["running", "exited", "cancelled", "lost"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES).openapi("RunStatus", {
  description:
    "`running` until the container ends; `exited` when it ended by itself; `cancelled` when it was stopped " +
    "through cancel; `lost` when its container vanished before its end was seen (the reason is in `error`).",
});

export const HostSelectorSchema = z
  .object({
    labels: z
      .record(z.string().max(255), z.string().max(4096))
      .openapi({ description: "Labels the host must carry, all of them." }),
  })
  .strict()
  .openapi("HostSelector", {
    description:
      "Picks a reachable host the token may use whose labels match, the one with the fewest running containers.",
  });

export const MAX_OUTPUT_LIMIT_BYTES = 16 * 1024 * 1024;

/** `docker run` as one call: the container fields are the container create schema's, checked by the same policy. */
export const RunCreateSchema = ContainerSpecSchema.omit({ restartPolicy: true, autoRemove: true })
  .extend({
    host: HostIdSchema.optional().openapi({ description: "Where to run. Give this or `hostSelector`." }),
    hostSelector: HostSelectorSchema.optional(),
    pull: z.enum(["missing", "always", "never"]).default("missing").openapi({
      description:
        "`missing`: pull only when the host lacks the image; `always`: pull first; `never`: don't.",
    }),
    registryAuth: RegistryAuthSchema.optional(),
    wait: z
      .boolean()
      .default(true)
      .openapi({ description: "Answer when the run ended (200) rather than once it started (202)." }),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .default(60)
      .openapi({
        description:
          "How long to hold the request waiting for the end; past it the answer is 202 and the run goes on. " +
          "The server's maximum (PORTCALL_RUN_MAX_WAIT_SECONDS, 900 by default) caps it.",
      }),
    remove: z.boolean().optional().openapi({
      description: "Remove the container once it ended and its output was kept. Defaults to `wait`.",
    }),
    outputLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(MAX_OUTPUT_LIMIT_BYTES)
      .default(1024 * 1024)
      .openapi({
        description:
          "Output kept, both streams together; each keeps its beginning and end and `truncated` says when " +
          "the middle was cut.",
      }),
  })
  .strict()
  .refine((run) => (run.host === undefined) !== (run.hostSelector === undefined), {
    message: "give exactly one of host and hostSelector",
    path: ["host"],
  })
  .openapi("RunCreate", {
    example: {
      host: "local",
      image: "127.0.0.1:5055/portcall/busybox:latest",
      cmd: ["sh", "-c", "echo hello from $(hostname)"],
      timeoutSeconds: 60,
    },
  });

export type RunCreate = z.infer<typeof RunCreateSchema>;

/** The container part of a run request, for the create policy. */
export function containerSpecOf(run: RunCreate): ContainerSpec {
  const fields = Object.keys(ContainerSpecSchema.shape).filter((key) => key in run);
  return Object.fromEntries(fields.map((key) => [key, run[key as keyof RunCreate]])) as ContainerSpec;
}

export const RunOutputSchema = z
  .object({
    stdout: z.string(),
    stderr: z.string(),
    truncated: z.boolean().openapi({ description: "True when a stream's middle was cut to fit the limit." }),
    stdoutBytes: z.number().int().openapi({ description: "All the stream printed, kept or not." }),
    stderrBytes: z.number().int(),
  })
  .openapi("RunOutput");

export const RunPhasesSchema = z
  .object({
    pullMs: z.number().int().nullable().openapi({ description: "Null when no pull was needed." }),
    createMs: z.number().int().nullable(),
    startMs: z.number().int().nullable(),
    runMs: z.number().int().nullable().openapi({ description: "From start until the end was seen." }),
  })
  .openapi("RunPhases");

export const RunSchema = z
  .object({
    id: z.string().openapi({ example: "run_8d5c2a5e0b7f4c1e9a3d6f2b" }),
    host: z.string(),
    containerId: z.string(),
    image: z.string(),
    imageDigest: z
      .string()
      .nullable()
      .openapi({ description: "The registry digest of the image run, or its id when it has none." }),
    status: RunStatusSchema,
    exitCode: z.number().int().nullable(),
    oomKilled: z.boolean(),
    error: z.string().nullable().openapi({ description: "Why a run is `lost`, or what Docker reported." }),
    labels: z.record(z.string(), z.string()),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    durationMs: z.number().int().nullable(),
    removed: z.boolean().openapi({ description: "Whether the container was removed after the run." }),
    phases: RunPhasesSchema,
    output: RunOutputSchema.nullable().openapi({ description: "Kept once the run ended." }),
    links: z
      .object({ self: z.string(), wait: z.string(), logs: z.string(), cancel: z.string() })
      .openapi("RunLinks"),
  })
  .openapi("Run");

export type Run = z.infer<typeof RunSchema>;
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunPageSchema = z
  .object({
    items: z.array(RunSchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page." }),
  })
  .openapi("RunPage");

export const RunParamsSchema = z.object({
  id: z
    .string()
    .regex(/^run_[a-f0-9]{24}$/, "must be a run id")
    .openapi({ param: { name: "id", in: "path" }, example: "run_8d5c2a5e0b7f4c1e9a3d6f2b" }),
});
