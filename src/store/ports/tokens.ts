import type { Scope } from "../../auth/scopes.js";

/** A minted token as stored: never the token itself, only what it grants and how it stands. */
export type TokenRecord = {
  /** The token's `jti`. */
  id: string;
  name: string;
  subject: string;
  scopes: Scope[];
  hosts: string[];
  policy: Record<string, unknown>;
  /** The id of the token that minted it, `cli`, or an OIDC token's id: only stored tokens form chains. */
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

/** Whether a token may still be used: revoked itself, or through a token in the chain that minted it. */
export type TokenStanding = "active" | "revoked" | "ancestor_revoked" | "unknown";

/**
 * Tokens and the chain of tokens that minted each. Revocation is transitive, and every implementation keeps
 * it so under concurrency: a token is never stored alive below a revoked one.
 */
export interface TokenStore {
  /**
   * Stores the token, below `parent` (a stored token) and all of the parent's ancestors, or with no chain for
   * null. False, storing nothing, when any of the chain is revoked: a revoke of one of them either is seen here
   * or, coming later, reaches this token too.
   */
  insert(record: TokenRecord, parent: string | null): Promise<boolean>;
  get(id: string): Promise<TokenRecord | undefined>;
  /** Newest first. */
  list(): Promise<TokenRecord[]>;
  /**
   * Marks the token and every token below it revoked as of `at`, at once; those revoked before keep their
   * time. The ids marked by this call, empty for an unknown token.
   */
  revoke(id: string, at: string): Promise<string[]>;
  /** One read: the token's own mark and those of its whole chain. */
  standing(id: string): Promise<TokenStanding>;
  /** Last-use times, written together; ids no longer stored are skipped. */
  recordUse(uses: ReadonlyArray<readonly [id: string, at: string]>): Promise<void>;
}
