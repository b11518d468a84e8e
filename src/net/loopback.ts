import { isIP } from "node:net";

/** Whether a host name or address (IPv6 may be in brackets) stays on this machine: localhost, 127/8, ::1. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}
