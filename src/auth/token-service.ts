import { randomUUID } from "node:crypto";
import { decodeJwt, jwtVerify, SignJWT } from "jose";
import { ApiError } from "../errors/api-error.js";
import type { TokenRecord, TokenStanding, TokenStore } from "../store/ports/tokens.js";
import { OIDC_CLOCK_TOLERANCE_SECONDS, type OidcVerifier } from "./oidc.js";
import { grantCovered, type Principal, policyCovered } from "./principal.js";
import { isScope, type Scope } from "./scopes.js";
import type { SigningKey } from "./signing-key.js";
import { describeJoseError, invalidToken } from "./token-errors.js";

/** The `typ` header of portcall's tokens: a token of another kind is never taken for one of ours. */
export const TOKEN_TYPE = "portcall+jwt";
const CACHE_LIMIT = 10_000;
const USAGE_FLUSH_MS = 30_000;

export type TokenServiceOptions = { issuer: string; audience: string; maxTtlSeconds: number };

export type TokenRequest = {
  name: string;
  subject?: string | undefined;
  scopes: Scope[];
  hosts: string[];
  policy?: Record<string, unknown> | undefined;
  ttlSeconds: number;
};

const REFUSALS: Record<Exclude<TokenStanding, "active">, string> = {
  // A signed token the store does not know (a store restored from backup) is refused like a revoked one.
  unknown: "it is not known to this portcall",
  revoked: "it was revoked",
  ancestor_revoked: "a token in the chain that minted it was revoked",
};

/**
 * Mints, verifies and revokes portcall's tokens (EdDSA JWTs), and hands tokens of the configured OIDC
 * issuer to its verifier. Signature checks are cached per token until expiry; revocation is read from the
 * store on every request, so it is immediate (also across replicas sharing a store). Revocation is
 * transitive: a token is refused when it or any token in the chain that minted it is revoked.
 */
export class TokenService {
  private readonly verified = new Map<string, Principal>();
  private readonly lastUsed = new Map<string, string>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tokens: TokenStore,
    private readonly key: SigningKey,
    private readonly options: TokenServiceOptions,
    private readonly oidc?: OidcVerifier,
  ) {}

  /** The external issuer whose tokens are accepted too, if one is configured: the authorization server. */
  get oidcIssuer(): string | undefined {
    return this.oidc?.issuer;
  }

  get jwks() {
    return { keys: [this.key.publicJwk] };
  }

  /**
   * Makes a token. `creator` is the calling principal, or `cli` for the operator at the data folder; a principal
   * can never mint more scope, hosts, policy or lifetime than it holds itself.
   */
  async mint(
    creator: Principal | "cli",
    request: TokenRequest,
  ): Promise<{ token: string; metadata: TokenRecord }> {
    if (request.ttlSeconds > this.options.maxTtlSeconds) {
      throw new ApiError(
        "invalid_request",
        `The lifetime may be at most ${this.options.maxTtlSeconds} seconds.`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + request.ttlSeconds;
    if (creator !== "cli") this.checkWithin(creator, request, expiresAt);
    if (creator !== "cli" && request.subject && !creator.scopes.has("admin")) {
      throw new ApiError(
        "forbidden",
        "Only an admin token may set another subject; a token acts for its creator's.",
      );
    }
    const id = randomUUID();
    // A non-admin's token acts for its creator; one an admin (or the operator) makes without naming a subject
    // is someone new. Host ownership, placement and limits go by subject: two bots an admin minted must not
    // count as one and the same caller.
    const actsForCreator = creator !== "cli" && !creator.scopes.has("admin");
    const subject = request.subject ?? (actsForCreator ? creator.subject : `token:${id}`);
    const policy = request.policy ?? {};
    const token = await new SignJWT({
      scope: request.scopes.join(" "),
      hosts: request.hosts,
      policy,
      name: request.name,
    })
      .setProtectedHeader({ alg: "EdDSA", typ: TOKEN_TYPE, kid: this.key.kid })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(subject)
      .setJti(id)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(this.key.privateKey);
    const metadata: TokenRecord = {
      id,
      name: request.name,
      subject,
      scopes: request.scopes,
      hosts: request.hosts,
      policy,
      // The creating token, not its subject: subjects are names anyone with tokens:write could repeat.
      createdBy: creator === "cli" ? "cli" : creator.tokenId,
      createdAt: new Date(now * 1000).toISOString(),
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      revokedAt: null,
      lastUsedAt: null,
    };
    // Only portcall's own tokens can be revoked here; an OIDC token or the CLI starts a chain.
    const parent = creator !== "cli" && creator.issuer === "portcall" ? creator.tokenId : null;
    if (!(await this.tokens.insert(metadata, parent)))
      throw invalidToken("it, or a token in the chain that minted it, was revoked");
    return { token, metadata };
  }

  async list(): Promise<TokenRecord[]> {
    await this.flushUsage();
    return this.tokens.list();
  }

  /** Revokes the token and every token it minted and theirs: they all show as revoked from now on. */
  async revoke(id: string): Promise<TokenRecord> {
    const revoked = new Set(await this.tokens.revoke(id, new Date().toISOString()));
    const metadata = await this.tokens.get(id);
    if (!metadata) throw new ApiError("token_not_found", `Token "${id}" does not exist.`);
    for (const [token, p] of this.verified) if (revoked.has(p.tokenId)) this.verified.delete(token);
    return metadata;
  }

  /** The principal of a bearer token, or an `invalid_token` error saying why not. */
  async authenticate(token: string): Promise<Principal> {
    const now = Date.now() / 1000;
    let principal = this.verified.get(token);
    // A cached principal expires as jose would judge its token: on the second for ours, with slack for OIDC.
    const tolerance = principal?.issuer === "oidc" ? OIDC_CLOCK_TOLERANCE_SECONDS : 0;
    if (!principal || principal.expiresAt <= now - tolerance) {
      this.verified.delete(token);
      principal = await this.verify(token);
      if (this.verified.size >= CACHE_LIMIT)
        this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, principal);
    }
    if (principal.issuer === "portcall") await this.checkNotRevoked(principal.tokenId);
    this.lastUsed.set(principal.tokenId, new Date().toISOString());
    return principal;
  }

  /** Writes last-use times in one transaction, every 30 s instead of once per request. */
  startUsageFlush(): void {
    this.flushTimer = setInterval(() => {
      // A busy store only delays the record; it must never become an unhandled rejection.
      this.flushUsage().catch(() => {});
    }, USAGE_FLUSH_MS);
    this.flushTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushUsage();
  }

  async flushUsage(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const entries = [...this.lastUsed];
    this.lastUsed.clear();
    try {
      await this.tokens.recordUse(entries);
    } catch (error) {
      // Put them back for the next flush, unless a newer use was recorded meanwhile.
      for (const [id, at] of entries) if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
      throw error;
    }
  }

  private async verify(token: string): Promise<Principal> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch (error) {
      throw invalidToken("it is not a JWT", error);
    }
    if (issuer !== this.options.issuer && this.oidc && issuer === this.oidc.issuer)
      return this.oidc.verify(token);
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ["EdDSA"],
        typ: TOKEN_TYPE,
        // No clock tolerance: portcall signed `exp` by the same clock (or, across replicas, an NTP-synced one)
        // that checks it, so a `--ttl 1s` token is refused one second after it was made.
        requiredClaims: ["iss", "aud", "exp", "iat", "sub", "jti"],
      });
      return {
        subject: String(payload.sub),
        tokenId: String(payload.jti),
        issuer: "portcall",
        scopes: new Set(
          String(payload.scope ?? "")
            .split(" ")
            .filter(isScope),
        ),
        hosts: Array.isArray(payload.hosts)
          ? payload.hosts.filter((h): h is string => typeof h === "string")
          : [],
        policy:
          typeof payload.policy === "object" && payload.policy
            ? (payload.policy as Record<string, unknown>)
            : {},
        expiresAt: Number(payload.exp),
      };
    } catch (error) {
      throw describeJoseError(error);
    }
  }

  /** One read of the store: the token's own mark, and whether any token in the chain that minted it is revoked. */
  private async checkNotRevoked(id: string): Promise<void> {
    const standing = await this.tokens.standing(id);
    if (standing !== "active") throw invalidToken(REFUSALS[standing]);
  }

  private checkWithin(creator: Principal, request: TokenRequest, expiresAt: number): void {
    const refuse = (what: string) => {
      throw new ApiError("forbidden", `A token cannot grant more than its creator holds: ${what}.`);
    };
    const extraScopes = request.scopes.filter(
      (scope) => !creator.scopes.has("admin") && !creator.scopes.has(scope),
    );
    if (extraScopes.length > 0) refuse(`scopes ${extraScopes.join(", ")}`);
    const extraHosts = request.hosts.filter((grant) => !grantCovered(grant, creator.hosts));
    if (extraHosts.length > 0) refuse(`hosts ${extraHosts.join(", ")}`);
    // An admin can already do everything a grant loosens (register a socket, bind any path through it).
    if (!creator.scopes.has("admin") && !policyCovered(request.policy ?? {}, creator.policy))
      refuse("policy grants");
    if (expiresAt > creator.expiresAt) refuse("a lifetime beyond the creator's own expiry");
  }
}
