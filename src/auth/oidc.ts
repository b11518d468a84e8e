import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { Principal } from "./principal.js";
import { isScope } from "./scopes.js";
import { describeJoseError, invalidToken } from "./token-errors.js";

export type OidcOptions = {
  issuer: string;
  audience: string;
  /** Without it, the issuer's discovery document (`/.well-known/openid-configuration`) names the JWKS. */
  jwksUrl?: string | undefined;
  /** Claim holding the host grants (a list, or a space-separated string). */
  hostsClaim: string;
  /** Claim holding the scopes (space-separated string, or a list). */
  scopeClaim: string;
};

const ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "EdDSA"];
/**
 * An external issuer stamps `exp` and `iat` by its own clock, which may run ahead of or behind this machine's.
 * portcall's own tokens get no such allowance: their times come from the clock that checks them.
 */
export const OIDC_CLOCK_TOLERANCE_SECONDS = 30;

function words(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return typeof value === "string" ? value.split(" ").filter(Boolean) : [];
}

/**
 * Accepts tokens of an external OpenID Connect issuer. Its keys come from its JWKS through jose's remote key
 * set, which caches them and refetches (with a cooldown) when a token names an unknown key id.
 */
export class OidcVerifier {
  readonly issuer: string;
  private keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(private readonly options: OidcOptions) {
    this.issuer = options.issuer;
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keySet(), {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["iss", "aud", "exp", "iat", "sub"],
      }));
    } catch (error) {
      throw describeJoseError(error);
    }
    return {
      subject: String(payload.sub),
      tokenId: payload.jti ?? `oidc:${payload.sub}:${payload.iat}`,
      issuer: "oidc",
      scopes: new Set(words(payload[this.options.scopeClaim]).filter(isScope)),
      hosts: words(payload[this.options.hostsClaim]),
      // Policy grants loosen what containers may do: only portcall's own tokens carry them.
      policy: {},
      expiresAt: Number(payload.exp),
    };
  }

  private keySet() {
    this.keys ??= this.discover()
      .then((url) => createRemoteJWKSet(new URL(url)))
      .catch((error: unknown) => {
        this.keys = undefined;
        throw invalidToken("the OIDC issuer's keys could not be fetched", error);
      });
    return this.keys;
  }

  private async discover(): Promise<string> {
    if (this.options.jwksUrl) return this.options.jwksUrl;
    const url = new URL(
      ".well-known/openid-configuration",
      this.options.issuer.endsWith("/") ? this.options.issuer : `${this.options.issuer}/`,
    );
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const document = (await response.json()) as { jwks_uri?: unknown };
    if (typeof document.jwks_uri !== "string") throw new Error("discovery names no jwks_uri");
    return document.jwks_uri;
  }
}
