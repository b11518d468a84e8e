import { z } from "@hono/zod-openapi";
import { CONTAINER_REF_PATTERN } from "./params.js";
import { booleanQuery } from "./query.js";

/** How long a stop (or a restart's stop) lets the container end on its own. */
export const StopQuerySchema = z.object({
  timeout: z.coerce.number().int().min(0).max(3600).default(10).openapi({
    description: "Seconds to wait after SIGTERM before SIGKILL.",
  }),
});

export const KillQuerySchema = z.object({
  signal: z
    .string()
    .regex(/^(SIG)?[A-Z0-9]{2,10}$|^[0-9]{1,2}$/, "must be a signal name like SIGTERM or a number")
    .default("SIGKILL"),
});

export const RemoveContainerQuerySchema = z.object({
  force: booleanQuery(false, "Kill it first if it is running."),
  volumes: booleanQuery(false, "Also remove its anonymous volumes."),
});

export const RenameSchema = z
  .object({ name: z.string().regex(CONTAINER_REF_PATTERN, "must be letters, digits, '_', '.', '-'") })
  .strict()
  .openapi("ContainerRename", { example: { name: "web-2" } });

export const ProcessesQuerySchema = z.object({
  psArgs: z
    .string()
    .regex(/^-?[A-Za-z]{1,16}$/, "must be ps flags such as aux or -ef")
    .default("-ef")
    .openapi({ description: "Flags for ps." }),
});

export const ProcessesSchema = z
  .object({
    titles: z.array(z.string()).openapi({ example: ["PID", "USER", "TIME", "COMMAND"] }),
    processes: z.array(z.array(z.string())).openapi({ example: [["4242", "root", "0:00", "sleep 300"]] }),
  })
  .openapi("ContainerProcesses");

export const WaitQuerySchema = z.object({
  condition: z.enum(["not-running", "next-exit", "removed"]).default("not-running"),
  timeoutSeconds: z.coerce.number().int().min(1).max(60).default(30),
});

export const WaitResultSchema = z
  .object({
    timedOut: z
      .boolean()
      .openapi({ description: "True when the deadline passed first; call again to keep waiting." }),
    exitCode: z.number().int().nullable(),
    error: z
      .string()
      .nullable()
      .openapi({ description: "Why waiting failed on the daemon's side, if it did." }),
  })
  .openapi("ContainerWaitResult");
