import { z } from "@hono/zod-openapi";
import { principalOf } from "../../auth/authenticate.js";
import { grantedHosts } from "../../auth/host-access.js";
import { hasScope } from "../../auth/principal.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";

const AuditEntrySchema = z
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
  })
  .openapi("AuditEntry");

const AuditPageSchema = z
  .object({
    items: z.array(AuditEntrySchema),
    nextCursor: z.number().int().nullable().openapi({ description: "Pass as `cursor` for the next page." }),
  })
  .openapi("AuditPage");

const AuditQuerySchema = z.object({
  host: z.string().max(63).optional(),
  subject: z.string().max(200).optional(),
  since: z.iso.datetime().optional().openapi({ description: "Only entries at or after this time." }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
});

export const listAuditRoute = operation("audit:read", {
  method: "get",
  path: "/v1/audit",
  operationId: "listAudit",
  tags: ["Audit"],
  summary: "Read the audit log",
  description:
    "Every mutating request and every refused one (401, 403), newest first. A token without `admin` or the `*` " +
    "host grant sees only entries about hosts it may use. Requests without a valid token are written one by one " +
    "up to 20 a minute per kind of refusal; the rest become one entry with their count (`method` and `path` " +
    "`*`). Long fields are cut, and entries older than PORTCALL_AUDIT_RETENTION_DAYS are deleted.",
  request: { query: AuditQuerySchema },
  errors: ["invalid_request"],
  responses: { 200: jsonResponse(AuditPageSchema, "One page of entries.") },
});

export function registerListAudit(app: App): void {
  app.openapi(listAuditRoute, async (c) => {
    const principal = principalOf(c);
    const seesAll = hasScope(principal, "admin") || principal.hosts.includes("*");
    const visibleHosts = seesAll ? undefined : grantedHosts(c).map((host) => host.id);
    return c.json(await c.get("services").audit.query({ ...c.req.valid("query"), visibleHosts }), 200);
  });
}
