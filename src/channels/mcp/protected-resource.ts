import type { Context } from "hono";
import { SCOPES } from "../../auth/scopes.js";
import type { AppEnv } from "../../env.js";

export const MCP_PATH = "/mcp";
export const METADATA_PATH = "/.well-known/oauth-protected-resource";

/**
 * Where clients reach this server: PORTCALL_PUBLIC_URL when set (behind a proxy the request's own address is
 * the proxy's view), else the origin the request was sent to.
 */
export function baseUrl(c: Context<AppEnv>): string {
  const configured = c.get("services").publicUrl;
  return (configured ?? new URL(c.req.url).origin).replace(/\/+$/, "");
}

/**
 * The OAuth 2.0 Protected Resource Metadata (RFC 9728) of the MCP endpoint: what an MCP client reads, after a
 * 401, to learn which authorization server issues tokens for it and which scopes there are.
 */
export function protectedResourceMetadata(c: Context<AppEnv>) {
  const base = baseUrl(c);
  const issuer = c.get("services").tokens.oidcIssuer;
  return {
    resource: `${base}${MCP_PATH}`,
    ...(issuer ? { authorization_servers: [issuer] } : {}),
    bearer_methods_supported: ["header"],
    scopes_supported: [...SCOPES],
    resource_name: "portcall",
    resource_documentation: `${base}/docs`,
  };
}

/** An RFC 9110 quoted-string's content: a quote or backslash in it (a Host header can carry one) is escaped. */
const quoted = (value: string) => value.replace(/[\\"]/g, "\\$&").replace(/[\r\n]/g, "");

/** The challenge of a 401 from the MCP endpoint: where the metadata is, and what was wrong when a token came. */
export function mcpChallenge(c: Context<AppEnv>, error?: { code: string; description: string }): string {
  const parts = [`resource_metadata="${quoted(`${baseUrl(c)}${METADATA_PATH}`)}"`];
  if (error) parts.push(`error="${quoted(error.code)}"`, `error_description="${quoted(error.description)}"`);
  return `Bearer ${parts.join(", ")}`;
}
