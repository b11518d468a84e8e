import type { Principal } from "../auth/principal.js";
import type { AuditRecord as Target } from "../core/context.js";
import type { AuditChannel, AuditRecord } from "../store/ports/audit.js";

export type AuditedCall = {
  requestId: string;
  principal: Principal | undefined;
  /** The operation and what it acted on, as far as the call got. */
  target: Target | undefined;
  channel: AuditChannel;
  /** The HTTP method and path of the operation: those of the request, or those the operation has in REST. */
  method: string;
  path: string;
  status: number;
  problem: { code: string; detail: string } | undefined;
};

/** One audit entry, the same whichever channel the call came through but for `channel`. */
export function auditEntry(call: AuditedCall): AuditRecord {
  const denied = call.status === 401 || call.status === 403;
  return {
    time: new Date().toISOString(),
    requestId: call.requestId,
    subject: call.principal?.subject ?? null,
    tokenId: call.principal?.tokenId ?? null,
    operationId: call.target?.operationId ?? null,
    method: call.method,
    path: call.path,
    host: call.target?.host ?? null,
    target: call.target?.target ?? null,
    status: call.status,
    outcome: denied ? "denied" : call.status >= 400 ? "failed" : "allowed",
    reason: call.problem ? `${call.problem.code}: ${call.problem.detail}` : null,
    channel: call.channel,
  };
}
