import { hasScope } from "../../auth/principal.js";
import { AuditPageSchema, AuditQuerySchema } from "../../schemas/audit.js";
import { grantedHosts } from "../access.js";
import { defineOperation } from "../operation.js";

export const listAudit = defineOperation({
  name: "listAudit",
  scope: "audit:read",
  tags: ["Audit"],
  summary: "Read the audit log",
  description:
    "Every mutating request and every refused one (401, 403), newest first. A token without `admin` or the `*` " +
    "host grant sees only entries about hosts it may use. Requests without a valid token are written one by one " +
    "up to 20 a minute per kind of refusal; the rest become one entry with their count (`method` and `path` " +
    "`*`). Long fields are cut, and entries older than PORTCALL_AUDIT_RETENTION_DAYS are deleted.",
  input: AuditQuerySchema,
  output: AuditPageSchema,
  errors: ["invalid_request"],
  // Its `host` is a filter, not a host the call acts on; reading is not audited anyway.
  audit: () => ({ host: null, target: null }),
  http: { method: "get", path: "/v1/audit", responses: { 200: "One page of entries." } },
  async run(ctx, query) {
    const { principal, services } = ctx;
    const seesAll = hasScope(principal, "admin") || principal.hosts.includes("*");
    const visibleHosts = seesAll ? undefined : grantedHosts(ctx).map((host) => host.id);
    return services.audit.query({ ...query, visibleHosts });
  },
});
