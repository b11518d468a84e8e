import { canUseHost } from "../../auth/principal.js";
import { ApiError } from "../../errors/api-error.js";
import type { Run } from "../../schemas/run.js";
import type { RunRecord } from "../../store/ports/runs.js";
import type { CallContext } from "../context.js";

/**
 * A run on a host the caller may use; any other run does not exist for it, as with hosts. The audit entry of
 * the call names the run's host from here on.
 */
export async function visibleRun(
  ctx: Pick<CallContext, "principal" | "services" | "audit">,
  id: string,
): Promise<RunRecord> {
  const { runs, hosts } = ctx.services;
  const row = await runs.get(id);
  // A run whose host was removed since is visible to whoever may use a host of that id.
  const host = row ? (hosts.find(row.host) ?? { id: row.host, labels: {} }) : undefined;
  if (!row || !host || !canUseHost(ctx.principal, host)) {
    throw new ApiError("run_not_found", `Run "${id}" does not exist.`);
  }
  ctx.audit.host = row.host;
  return row;
}

/** 200 once a run has ended, 202 while it goes on: the same document either way. */
export const runStatus = (run: Run) => (run.status === "running" ? 202 : 200);

/** What names a run in the audit log once the call answered it: its host (the input names only its id). */
export const runAudit = (_: unknown, run: Run | undefined) => (run ? { host: run.host } : {});
