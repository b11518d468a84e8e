import type { TokenRecord } from "../../src/store/ports/tokens.js";

/**
 * A token record as the store keeps one the CLI minted (a chain of its own), named after its id, alive and
 * never used: what a test stores when only the token's existence and standing matter.
 */
export const storedToken = (
  id: string,
  grants: Pick<TokenRecord, "scopes" | "hosts"> = { scopes: ["hosts:read"], hosts: ["*"] },
): TokenRecord => ({
  id,
  name: id,
  subject: `token:${id}`,
  ...grants,
  policy: {},
  createdBy: "cli",
  createdAt: "2026-01-01T00:00:00.000Z",
  expiresAt: "2027-01-01T00:00:00.000Z",
  revokedAt: null,
  lastUsedAt: null,
});
