import type { HostRecord } from "../../hosts/host-record.js";

/** Registered hosts. Each write is durable once it returns: the registry holds no state the store lacks. */
export interface HostStore {
  /** Ordered by id. */
  list(): Promise<HostRecord[]>;
  /** False, storing nothing, when a host with this id is already stored (by this process or another). */
  insert(record: HostRecord): Promise<boolean>;
  /** Replaces every field but the id and `createdAt`. */
  update(record: HostRecord): Promise<void>;
  delete(id: string): Promise<void>;
}
