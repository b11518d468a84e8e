import type { Run } from "../schemas/run.js";
import type { RunRecord } from "../store/ports/runs.js";

const ms = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

/** A stored run as the API shows it. */
export function toRun(run: RunRecord): Run {
  const path = `/v1/runs/${run.id}`;
  return {
    id: run.id,
    host: run.host,
    containerId: run.container_id,
    image: run.image,
    imageDigest: run.image_digest,
    status: run.status,
    exitCode: run.exit_code,
    oomKilled: run.oom_killed,
    error: run.error,
    labels: run.labels,
    createdAt: run.created_at,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    durationMs: ms(run.started_at, run.finished_at),
    removed: run.removed,
    phases: run.phases,
    output: run.output,
    links: { self: path, wait: `${path}/wait`, logs: `${path}/logs`, cancel: `${path}/cancel` },
  };
}
