import type { Context } from "hono";
import type { AppEnv } from "../../env.js";
import { toHostResponse } from "../../hosts/host-presenter.js";
import type { HostRecord } from "../../hosts/host-record.js";
import type { Host } from "../../schemas/host.js";

export async function presentHost(c: Context<AppEnv>, record: HostRecord): Promise<Host> {
  return toHostResponse(record, await c.get("services").hosts.health(record.id));
}
