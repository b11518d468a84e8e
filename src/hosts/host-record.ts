import type { StoredConnection } from "./host-connection.js";

/** A registered host as portcall keeps it: secrets stay sealed (JWE) until a client is built. */
export type HostRecord = {
  id: string;
  name: string;
  labels: Record<string, string>;
  url: string;
  stored: StoredConnection;
  sealedSecrets: string | null;
  source: "api" | "file";
  /**
   * The subject of the non-admin token that set the connection, or null when an operator did (an admin token,
   * the CLI, the hosts file). An owned host gets no stored registry credentials and no other subject's placed runs.
   */
  owner: string | null;
  createdAt: string;
  updatedAt: string;
};
