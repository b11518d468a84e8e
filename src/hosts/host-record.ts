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
  createdAt: string;
  updatedAt: string;
};
