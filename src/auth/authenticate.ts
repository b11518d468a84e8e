import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors/api-error.js";
import type { Principal } from "./principal.js";
import { hasScope } from "./principal.js";
import type { Scope } from "./scopes.js";

const REALM = 'Bearer realm="portcall"';
// RFC 6750's b64token grammar.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The WWW-Authenticate value of a 401: a bare challenge when no token came, else what was wrong with it. */
export type Challenge = (error?: { code: string; description: string }) => string;

const restChallenge: Challenge = (error) =>
  error
    ? `${REALM}, error="${error.code}", error_description="${error.description.replace(/"/g, "'")}"`
    : REALM;

/**
 * The caller of a request from its `Authorization: Bearer …` header, or `invalid_token` carrying the
 * challenge a channel gives (REST names its realm; MCP points to its resource metadata).
 */
export async function bearerPrincipal(
  c: Context<AppEnv>,
  challenge: Challenge,
  say: { missing: string; malformed: string },
): Promise<Principal> {
  const header = c.req.header("Authorization");
  const refuse = (message: string, error?: { code: string; description: string }, cause?: unknown) =>
    new ApiError("invalid_token", message, { cause, headers: { "WWW-Authenticate": challenge(error) } });
  if (!header) throw refuse(say.missing);
  const token = BEARER.exec(header)?.[1];
  if (!token)
    throw refuse(say.malformed, { code: "invalid_request", description: "malformed Authorization header" });
  try {
    return await c.get("services").tokens.authenticate(token);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "invalid_token") throw error;
    throw refuse(error.message, { code: "invalid_token", description: error.message }, error);
  }
}

/**
 * Establishes who is calling from `Authorization: Bearer …` and puts the principal on the context. It runs as
 * part of every protected operation (see `operation()`), so it also knows which operation was refused.
 */
export function authenticate(operationId: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("audit", { operationId, host: c.req.param("host") ?? null, target: c.req.param("id") ?? null });
    c.set(
      "principal",
      await bearerPrincipal(c, restChallenge, {
        missing: "This operation needs a bearer token: Authorization: Bearer <token>.",
        malformed: "The Authorization header must be `Bearer <token>`.",
      }),
    );
    await next();
  });
}

/** The scope check of one operation; it runs before the request is validated, so a 403 never waits on input. */
export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get("principal");
    if (!principal || !hasScope(principal, scope)) {
      throw new ApiError("insufficient_scope", `This operation needs the "${scope}" scope.`, {
        headers: { "WWW-Authenticate": `${REALM}, error="insufficient_scope", scope="${scope}"` },
      });
    }
    await next();
  });
}

/** The caller of a protected operation; only ever called behind `authenticate`. */
export function principalOf(c: { get(key: "principal"): Principal | undefined }): Principal {
  const principal = c.get("principal");
  if (!principal) throw new ApiError("internal_error", "A protected operation ran without a principal.");
  return principal;
}
