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
import type { AppEnv } from "../../env.js";
import { callTool } from "./call-tool.js";
import { MCP_PATH } from "./protected-resource.js";
import { buildTools, type McpTool } from "./tool-catalog.js";
import { TOOLS } from "./tools.js";

const INSTRUCTIONS =
  "portcall runs containers on a fleet of Docker hosts. Start with list_hosts: every other tool takes one of " +
  "its ids as `host`. run_container does a whole `docker run` (pull, create, start, wait) and returns the exit " +
  "code and output. What this token may do is fixed by its scopes, host grants and policy: a refused call " +
  "says why and what would make it succeed. Results are cut to 32 KiB and say how to get the rest.";

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
    if (!tool) {
      const detail = `Unknown tool: ${request.params.name.slice(0, 64)}`;
      await c.get("services").audit.record(
        auditEntry({
          requestId: c.get("requestId"),
          principal,
          target: undefined,
          channel: "mcp",
          method: "POST",
          path: MCP_PATH,
          status: 400,
          problem: { code: "invalid_request", detail },
        }),
      );
      throw new McpError(ErrorCode.InvalidParams, detail);
    }
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
      // The SDK ends its signal only for a cancellation; a client that hangs up ends the request's.
      signal: AbortSignal.any([extra.signal, c.req.raw.signal]),
      progress,
    });
  });
  return server;
}

const isCancellation = (message: unknown) =>
  typeof message === "object" &&
  message !== null &&
  (message as { method?: unknown }).method === "notifications/cancelled";

/**
 * The request's messages without `notifications/cancelled`. Stateless, a cancellation can only name a call of
 * another request (which ended with it) or of its own batch (not started yet, and then never answered, which
 * would hold the batch's answer forever); a client ends a call by closing its connection. Undefined when
 * nothing else is left.
 */
function withoutCancellations(body: unknown): unknown {
  if (!Array.isArray(body)) return isCancellation(body) ? undefined : body;
  const kept = body.filter((message) => !isCancellation(message));
  return kept.length === 0 && body.length > 0 ? undefined : kept;
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

export type McpAnswer = (c: Context<AppEnv>, principal: Principal, body: unknown) => Promise<Response>;

/** Answers MCP requests over the tools of `operations`: a fresh server and transport per request. */
export function mcpAnswer(operations: readonly AnyOperation[]): McpAnswer {
  const tools = buildTools(TOOLS, operations);
  return async (c, principal, body) => {
    const messages = withoutCancellations(body);
    // Only cancellations, which reach nothing here: nothing to answer but that they were taken.
    if (messages === undefined) return c.body(null, 202);
    const server = serverFor(c, tools, principal);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !wantsProgress(body),
    });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw, { parsedBody: messages });
  };
}
