import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Principal } from "./auth/principal.js";
import type { AuditRecord, Services } from "./core/context.js";
import type { AuditChannel } from "./store/ports/audit.js";

/** What the operation's own middleware learnt about the request, for the audit trail. */
export type AuditContext = AuditRecord;

export type { Services };

export type AppEnv = {
  Variables: {
    requestId: string;
    services: Services;
    /** Set by `authenticate` on every protected operation; absent on public routes. */
    principal?: Principal;
    audit?: AuditContext;
    /** The channel a request came through when it is not REST, for its audit entry. */
    channel?: AuditChannel;
    /** Set by a channel that writes an audit entry per call itself, so the request gets none of its own. */
    auditedByChannel?: boolean;
    /** The error code of a failed request, for the audit trail. */
    problem?: { code: string; detail: string };
  };
};

export type App = OpenAPIHono<AppEnv>;
