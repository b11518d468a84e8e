import { toHostResponse } from "../../hosts/host-presenter.js";
import type { HostRecord } from "../../hosts/host-record.js";
import type { Host } from "../../schemas/host.js";
import type { Services } from "../context.js";

export async function presentHost(services: Services, record: HostRecord): Promise<Host> {
  return toHostResponse(record, await services.hosts.health(record.id));
}
