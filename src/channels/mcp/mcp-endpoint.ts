import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { auditEntry } from "../../audit/audit-entry.js";
import { hasScope, type Principal } from "../../auth/principal.js";
import type { AnyOperation } from "../../core/operation.js";
import type { App, AppEnv } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { requestBody } from "../../middleware/request-body.js";
import { callTool } from "./call-tool.js";
import { MCP_PATH, METADATA_PATH, mcpChallenge, protectedResourceMetadata } from "./protected-resource.js";
import { buildTools, type McpTool } from "./tool-catalog.js";
import { TOOLS } from "./tools.js";

const INSTRUCTIONS =
  "portcall runs containers on a fleet of Docker hosts. Start with list_hosts: every other tool takes one of " +
  "its ids as `host`. run_container does a whole `docker run` (pull, create, start, wait) and returns the exit " +
  "code and output. What this token may do is fixed by its scopes, host grants and policy: a refused call " +
  "says why and what would make it succeed. Results are cut to 32 KiB and say how to get the rest.";

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The caller of an MCP request; a 401 that tells an MCP client where to learn how to get a token otherwise. */
async function authenticate(c: Context<AppEnv>): Promise<Principal> {
  const header = c.req.header("Authorization");
  const token = header ? BEARER.exec(header)?.[1] : undefined;
  if (!token) {
    throw new ApiError(
      "invalid_token",
      "The MCP endpoint needs a bearer token: Authorization: Bearer <token>.",
      {
        headers: {
          "WWW-Authenticate": mcpChallenge(
            c,
            header ? { code: "invalid_request", description: "malformed Authorization header" } : undefined,
          ),
        },
      },
    );
  }
  try {
    return await c.get("services").tokens.authenticate(token);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "invalid_token") throw error;
    throw new ApiError(error.code, error.message, {
      cause: error,
      headers: { "WWW-Authenticate": mcpChallenge(c, { code: "invalid_token", description: error.message }) },
    });
  }
}

function describeTool(tool: McpTool) {
  return {
    name: tool.spec.name,
    title: tool.spec.title,
    description: `${tool.spec.description} Needs the \`${tool.operation.scope}\` scope.`,
    inputSchema: tool.input.jsonSchema,
    outputSchema: tool.outputSchema,
    annotations: tool.annotations,
  };
}

/** The MCP server of one request: stateless, so any replica (or a function) can answer any request. */
function serverFor(c: Context<AppEnv>, tools: McpTool[], principal: Principal): Server {
  const server = new Server(
    { name: "portcall", version: "0.1.0" },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  const visible = tools.filter((tool) => tool.operation.scope && hasScope(principal, tool.operation.scope));
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: visible.map(describeTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    // Every tool is listed to someone; one this token does not see is still named, so its refusal is audited.
    const tool = tools.find((candidate) => candidate.spec.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const token = request.params._meta?.progressToken;
    const progress =
      token === undefined
        ? undefined
        : (done: number, message: string) =>
            extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: done, message },
            });
    return callTool(tool, request.params.arguments ?? {}, {
      services: c.get("services"),
      principal,
      requestId: c.get("requestId"),
      signal: extra.signal,
      progress,
    });
  });
  return server;
}

/** Whether the request holds a call that asked for progress: that call is answered as SSE, the rest as JSON. */
function wantsProgress(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (message) =>
      message &&
      typeof message === "object" &&
      (message as { params?: { _meta?: { progressToken?: unknown } } }).params?._meta?.progressToken !==
        undefined,
  );
}

/**
 * Serves the MCP endpoint (Streamable HTTP, stateless) over the tools of `operations`, and its protected
 * resource metadata. Each request authenticates, gets a fresh server and transport, and leaves nothing behind.
 */
export function serveMcp(app: App, operations: readonly AnyOperation[]): void {
  const tools = buildTools(TOOLS, operations);
  app.get(METADATA_PATH, (c) => c.json(protectedResourceMetadata(c)));
  app.get(`${METADATA_PATH}${MCP_PATH}`, (c) => c.json(protectedResourceMetadata(c)));
  app.post(
    MCP_PATH,
    async (c, next) => {
      c.set("auditedByChannel", true);
      let principal: Principal;
      try {
        principal = await authenticate(c);
      } catch (error) {
        if (error instanceof ApiError) {
          await c.get("services").audit.record(
            auditEntry({
              requestId: c.get("requestId"),
              principal: undefined,
              target: undefined,
              channel: "mcp",
              method: "POST",
              path: MCP_PATH,
              status: error.status,
              problem: { code: error.code, detail: error.message },
            }),
          );
        }
        throw error;
      }
      c.set("principal", principal);
      await next();
    },
    requestBody({ "application/json": 4 * 1024 * 1024 }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json(
          {
            jsonrpc: "2.0",
            error: { code: ErrorCode.ParseError, message: "Parse error: the body is not JSON." },
            id: null,
          },
          400,
        );
      }
      const principal = c.get("principal");
      if (!principal) throw new ApiError("internal_error", "The MCP endpoint ran without a principal.");
      const server = serverFor(c, tools, principal);
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: !wantsProgress(body),
      });
      await server.connect(transport);
      return transport.handleRequest(c.req.raw, { parsedBody: body });
    },
  );
  // Stateless: no stream of server-initiated messages to resume, no session to end.
  const notAllowed = (c: Context<AppEnv>) =>
    c.json(
      {
        jsonrpc: "2.0",
        error: {
          code: ErrorCode.ConnectionClosed,
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
