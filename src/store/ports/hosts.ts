import { createHash } from "node:crypto";
import type { HostRecord } from "../../hosts/host-record.js";

/** Registered hosts. Each write is durable once it returns: the registry holds no state the store lacks. */
export interface HostStore {
  /** Ordered by id. */
  list(): Promise<HostRecord[]>;
  /** False, storing nothing, when a host with this id is already stored (by this process or another). */
  insert(record: HostRecord): Promise<boolean>;
  /**
   * Replaces every field but the id and `createdAt`, only while the stored host is the one the change was made
   * from (its `updatedAt` is `from`); false, changing nothing, when another process changed or removed it since.
   */
  update(record: HostRecord, from: string): Promise<boolean>;
  delete(id: string): Promise<void>;
  /**
   * A value that changes whenever a host is added, changed or removed, by this process or another: what an
   * instance compares to learn that its copy of the hosts is stale, without reading them all.
   */
  fingerprint(): Promise<string>;
}

/** The fingerprint of the hosts' change markers (each host's id and what changes when it does), in id order. */
export function hostsFingerprint(markers: readonly string[]): string {
  return createHash("sha256").update(markers.join("\n")).digest("base64url");
}
