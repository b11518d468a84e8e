import type { TestApp } from "./app.js";
import { type Json, readJson } from "./http.js";
import { ensureImage, rig, rigDocker } from "./rig.js";

/** A busybox container on a rig daemon with the given labels, started unless asked not to. */
export async function busybox(daemon: string, labels: Record<string, string>, cmd: string[], start = true) {
  const docker = rigDocker(daemon);
  await ensureImage(docker, rig().images.busybox);
  const created = await docker.createContainer({ Image: rig().images.busybox, Cmd: cmd, Labels: labels });
  if (start) await created.start();
  return created.id;
}

/** The container's processes as `top` lists them, one line each. */
export async function processList(app: TestApp, host: string, id: string): Promise<string[]> {
  const top = await readJson(await app.request(`/v1/hosts/${host}/containers/${id}/top`));
  return top.processes.map((row: string[]) => row.join(" "));
}

export type ExecTarget = { app: TestApp; host: string; id: string; accept?: string | undefined };

export function postExec({ app, host, id, accept }: ExecTarget, body: Json): Promise<Response> {
  return app.request(`/v1/hosts/${host}/containers/${id}/exec`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(accept ? { Accept: accept } : {}) },
    body: JSON.stringify(body),
  });
}
