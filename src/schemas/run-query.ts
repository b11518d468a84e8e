import { z } from "@hono/zod-openapi";
import { HOST_ID_PATTERN } from "./params.js";
import { labelFilterQuery } from "./query.js";
import { RunStatusSchema } from "./run.js";

/** What a list of runs is narrowed by, and which page of it. */
export const ListRunsQuerySchema = z.object({
  host: z.string().regex(HOST_ID_PATTERN, "must be a host id").optional(),
  status: RunStatusSchema.optional(),
  label: labelFilterQuery("runs"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "The `nextCursor` of the previous page." }),
});

export const WaitRunQuerySchema = z.object({
  timeoutSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(60)
    .default(30)
    .openapi({ description: "How long to wait at most, up to 60 seconds." }),
});

export const CancelRunQuerySchema = z.object({
  graceSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(300)
    .default(10)
    .openapi({ description: "How long the process has to exit after SIGTERM." }),
});
