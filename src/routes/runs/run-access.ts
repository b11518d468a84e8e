import type { Context } from "hono";
import { principalOf } from "../../auth/authenticate.js";
import { canUseHost } from "../../auth/principal.js";
import type { AppEnv } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import type { RunRecord as RunRow } from "../../store/ports/runs.js";

/** A run on a host the caller may use; any other run does not exist for it, as with hosts. */
export async function visibleRun(c: Context<AppEnv>, id: string): Promise<RunRow> {
  const { runs, hosts } = c.get("services");
  const row = await runs.get(id);
  // A run whose host was removed since is visible to whoever may use a host of that id.
  const host = row ? (hosts.find(row.host) ?? { id: row.host, labels: {} }) : undefined;
  if (!row || !host || !canUseHost(principalOf(c), host)) {
    throw new ApiError("run_not_found", `Run "${id}" does not exist.`);
  }
  const audit = c.get("audit");
  if (audit) c.set("audit", { ...audit, host: row.host });
  return row;
}

/** 200 once a run has ended, 202 while it goes on: the same document either way. */
export const runStatus = (row: RunRow) => (row.status === "running" ? 202 : 200);
