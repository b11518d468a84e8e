import { z } from "@hono/zod-openapi";
import { CommandSchema, EnvSchema, UserSchema, WorkingDirSchema } from "./container-create.js";
import { StreamErrorEventSchema } from "./stream.js";

const KIB = 1024;
const MIB = 1024 * KIB;
const MAX_STDIN_BYTES = 64 * KIB;

/**
 * A command to run in a running container. Strict: there is no `privileged` (or any other) way to give the
 * command more power than the container has; an exec is never privileged.
 */
export const ExecRequestSchema = z
  .object({
    cmd: CommandSchema.min(1).openapi({ description: "The program and its arguments; no shell is implied." }),
    env: EnvSchema.optional().openapi({ description: "Added to the container's environment." }),
    workingDir: WorkingDirSchema.optional(),
    user: UserSchema.optional().openapi({
      description: "`user[:group]`, names or ids; else the container's.",
    }),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(30)
      .openapi({ description: "After this, the command and what it started are killed (SIGKILL)." }),
    stdin: z
      .string()
      .max(MAX_STDIN_BYTES)
      .refine((text) => Buffer.byteLength(text) <= MAX_STDIN_BYTES, "must be at most 64 KiB")
      .optional()
      .openapi({ description: "Text given to the command's stdin, which is then closed (at most 64 KiB)." }),
    outputLimitBytes: z
      .number()
      .int()
      .min(0)
      .max(16 * MIB)
      .default(MIB)
      .openapi({
        description:
          "How much output the one-call answer keeps: half per stream, its beginning and its end. Streams are not cut.",
      }),
  })
  .strict()
  .openapi("ExecRequest", {
    example: {
      cmd: ["sh", "-c", "wc -l && ls /data"],
      env: { LANG: "C.UTF-8" },
      workingDir: "/data",
      timeoutSeconds: 60,
      stdin: "one\ntwo\n",
    },
  });

const exitCode = z.number().int().nullable().openapi({
  description: "null when the command was killed at its deadline, or the daemon could not tell.",
});
const durationMs = z.number().int().openapi({ description: "From the start of the command to its end." });
const timedOut = z
  .boolean()
  .openapi({ description: "True when the deadline passed first and the command was killed." });

export const ExecResultSchema = z
  .object({
    exitCode,
    stdout: z.string(),
    stderr: z.string(),
    truncated: z
      .boolean()
      .openapi({ description: "True when a stream printed more than its share of `outputLimitBytes`." }),
    stdoutBytes: z.number().int().openapi({ description: "What the command printed on stdout in all." }),
    stderrBytes: z.number().int().openapi({ description: "What the command printed on stderr in all." }),
    durationMs,
    timedOut,
  })
  .openapi("ExecResult");

export const ExecEventSchema = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("output"),
      stream: z.enum(["stdout", "stderr"]),
      data: z.string().openapi({ description: "Output as it came, as UTF-8 text." }),
    }),
    z.object({ type: z.literal("exit"), exitCode, timedOut, durationMs }),
    StreamErrorEventSchema,
  ])
  .openapi("ExecEvent", {
    description: "One event of an exec's stream: its output as it comes, then one exit or error event.",
  });
