import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors/api-error.js";
import type { Principal } from "./principal.js";
import { hasScope } from "./principal.js";
import type { Scope } from "./scopes.js";

const REALM = 'Bearer realm="portcall"';
// RFC 6750's b64token grammar.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

function challenge(error: string, description: string): Record<string, string> {
  return {
    "WWW-Authenticate": `${REALM}, error="${error}", error_description="${description.replace(/"/g, "'")}"`,
  };
}

/**
 * Establishes who is calling from `Authorization: Bearer …` and puts the principal on the context. It runs as
 * part of every protected operation (see `operation()`), so it also knows which operation was refused.
 */
export function authenticate(operationId: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("audit", { operationId, host: c.req.param("host") ?? null, target: c.req.param("id") ?? null });
    const header = c.req.header("Authorization");
    if (!header) {
      throw new ApiError(
        "invalid_token",
        "This operation needs a bearer token: Authorization: Bearer <token>.",
        {
          headers: { "WWW-Authenticate": REALM },
        },
      );
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) {
      throw new ApiError("invalid_token", "The Authorization header must be `Bearer <token>`.", {
        headers: challenge("invalid_request", "malformed Authorization header"),
      });
    }
    try {
      c.set("principal", await c.get("services").tokens.authenticate(token));
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_token") {
        throw new ApiError(error.code, error.message, {
          cause: error,
          headers: challenge("invalid_token", error.message),
        });
      }
      throw error;
    }
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
