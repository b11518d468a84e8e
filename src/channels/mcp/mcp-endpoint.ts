import type { Context } from "hono";
import { bearerPrincipal } from "../../auth/authenticate.js";
import type { Principal } from "../../auth/principal.js";
import type { AnyOperation } from "../../core/operation.js";
import type { App, AppEnv } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { JSON_BODY_LIMIT, requestBody } from "../../middleware/request-body.js";
import type { McpAnswer } from "./mcp-session.js";
import { MCP_PATH, METADATA_PATH, mcpChallenge, protectedResourceMetadata } from "./protected-resource.js";

// JSON-RPC's codes, as the SDK's ErrorCode has them: written out so that a refused request loads no SDK.
const PARSE_ERROR = -32700;
const CONNECTION_CLOSED = -32000;

const NEEDS_TOKEN = "The MCP endpoint needs a bearer token: Authorization: Bearer <token>.";

/** The caller of an MCP request; a 401 that tells an MCP client where to learn how to get a token otherwise. */
const authenticate = (c: Context<AppEnv>): Promise<Principal> =>
  bearerPrincipal(c, (error) => mcpChallenge(c, error), { missing: NEEDS_TOKEN, malformed: NEEDS_TOKEN });

/**
 * Serves the MCP endpoint (Streamable HTTP, stateless) over the tools of `operations`, and its protected
 * resource metadata. Each request authenticates, gets a fresh server and transport, and leaves nothing behind.
 */
export function serveMcp(app: App, operations: readonly AnyOperation[]): void {
  // The MCP SDK and the tools' schemas are loaded and built by the first MCP call, not at start.
  let answer: Promise<McpAnswer> | undefined;
  app.get(METADATA_PATH, (c) => c.json(protectedResourceMetadata(c)));
  app.get(`${METADATA_PATH}${MCP_PATH}`, (c) => c.json(protectedResourceMetadata(c)));
  app.post(
    MCP_PATH,
    async (c, next) => {
      // Until its tool calls are audited one by one, the request itself is, as MCP's: a 401, 413 or 415.
      c.set("channel", "mcp");
      c.set("principal", await authenticate(c));
      await next();
    },
    // The same limit as a REST body: a tool's arguments are no bigger than the operation's JSON body.
    requestBody({ "application/json": JSON_BODY_LIMIT }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json(
          {
            jsonrpc: "2.0",
            error: { code: PARSE_ERROR, message: "Parse error: the body is not JSON." },
            id: null,
          },
          400,
        );
      }
      const principal = c.get("principal");
      if (!principal) throw new ApiError("internal_error", "The MCP endpoint ran without a principal.");
      // From here each call is audited by itself (with its operation), not the request as a whole.
      c.set("auditedByChannel", true);
      answer ??= import("./mcp-session.js").then(({ mcpAnswer }) => mcpAnswer(operations));
      return (await answer)(c, principal, body);
    },
  );
  // Stateless: no stream of server-initiated messages to resume, no session to end.
  const notAllowed = (c: Context<AppEnv>) =>
    c.json(
      {
        jsonrpc: "2.0",
        error: {
          code: CONNECTION_CLOSED,
          message: "Method not allowed: this endpoint is stateless; POST only.",
        },
        id: null,
      },
      405,
      { Allow: "POST" },
    );
  app.get(MCP_PATH, notAllowed);
  app.delete(MCP_PATH, notAllowed);
}
