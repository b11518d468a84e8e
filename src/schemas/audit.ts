import { z } from "@hono/zod-openapi";
import { plainText } from "./text.js";

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    time: z.iso.datetime(),
    requestId: z.string(),
    subject: z
      .string()
      .nullable()
      .openapi({ description: "Who called; null when no valid token was given." }),
    tokenId: z.string().nullable(),
    operationId: z.string().nullable().openapi({ example: "createHost" }),
    method: z.string(),
    path: z.string(),
    host: z.string().nullable(),
    target: z.string().nullable().openapi({ description: "The container, token or other object acted on." }),
    status: z.number().int(),
    outcome: z.enum(["allowed", "denied", "failed"]),
    reason: z.string().nullable().openapi({ description: "Error code and detail, when it did not succeed." }),
    channel: z.enum(["rest", "mcp"]).openapi({
      description: "How the call came: the REST API or the MCP endpoint (the same operation otherwise).",
    }),
  })
  .openapi("AuditEntry");

export const AuditPageSchema = z
  .object({
    items: z.array(AuditEntrySchema),
    nextCursor: z.number().int().nullable().openapi({ description: "Pass as `cursor` for the next page." }),
  })
  .openapi("AuditPage");

export const AuditQuerySchema = z.object({
  // Entries hold no control character (the log shows them as pictures), and PostgreSQL cannot compare NUL.
  host: plainText().max(63).optional(),
  subject: plainText().max(200).optional(),
  since: z.iso.datetime().optional().openapi({ description: "Only entries at or after this time." }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
});
