import { auditEntry } from "../../audit/audit-entry.js";
import { hasScope, type Principal } from "../../auth/principal.js";
import type { Services } from "../../core/context.js";
import { type AnyOperation, auditOf, type OperationContext, successStatus } from "../../core/operation.js";
import { EventFeed } from "../../core/streams.js";
import { ApiError } from "../../errors/api-error.js";
import { invalidInput } from "../../errors/field-errors.js";
import { bounded, type Truncation } from "./bounded.js";
import { collectFeed, type Progress } from "./collect-feed.js";
import type { McpTool } from "./tool-catalog.js";
import { asApiError, type ToolFailure, toolFailure } from "./tool-errors.js";

/** Who calls and how: what the MCP request carried. */
export type ToolCaller = {
  services: Services;
  principal: Principal;
  requestId: string;
  signal: AbortSignal;
  /** Set when the client asked for progress (a progress token). */
  progress?: Progress | undefined;
};

export type ToolSuccess = {
  content: Array<{ type: "text"; text: string }>;
  structuredContent: Record<string, unknown>;
};

/** Arguments the tool does not take are refused, as REST refuses unknown keys: none is silently dropped. */
function checkKnown(tool: McpTool, args: Record<string, unknown>): void {
  const known = tool.input.jsonSchema.properties as Record<string, unknown>;
  const unknown = Object.keys(args).filter((key) => !Object.hasOwn(known, key));
  if (unknown.length === 0) return;
  const errors = unknown.map((key) => ({
    location: "argument" as const,
    path: key.slice(0, 64),
    message: "is not an argument of this tool",
  }));
  throw new ApiError(
    "invalid_request",
    `The request is invalid: ${errors.map((e) => `argument.${e.path}: ${e.message}`).join("; ")}`,
    { errors },
  );
}

function parseArguments(tool: McpTool, args: Record<string, unknown>): unknown {
  const { spec, operation } = tool;
  checkKnown(tool, args);
  const raw = tool.input.toInput({ ...spec.computedDefaults?.(), ...spec.defaults, ...args, ...spec.fixed });
  const parsed = operation.input.safeParse(raw);
  if (parsed.success) return parsed.data;
  const body = operation.http.body;
  throw invalidInput(parsed.error.issues, (path) => {
    // A body field is offered beside the others, so its argument is named without the body's own key.
    const flat = path[0] === body && tool.input.flattens ? path.slice(1) : path;
    return { location: "argument", path: flat.join(".") };
  });
}

/**
 * The REST address of the call: the audit entry of the same call through REST names the same one. Only a
 * validated input fills it in (its path fields are plain strings); before validation, the path's template.
 */
function restPath(operation: AnyOperation, input: Record<string, unknown> | undefined): string {
  const { path } = operation.http;
  if (!input) return path;
  return path.replaceAll(/\{([^}]+)\}/g, (template, key: string) => {
    const value = input[key];
    return typeof value === "string" ? encodeURIComponent(value) : template;
  });
}

/** A short line a person or model reads first; the JSON follows it. */
function summaryOf(tool: McpTool, value: Record<string, unknown>, truncated?: Truncation): string {
  const { collect } = tool.spec;
  const list = collect ? value[collect.into] : value.items;
  let line = Array.isArray(list) ? `${list.length} ${collect?.into ?? "items"}` : `${tool.spec.title}: done`;
  if (typeof value.status === "string" && "exitCode" in value) {
    line = `Run ${String(value.id)} is ${value.status}${value.exitCode === null ? "" : ` (exit code ${String(value.exitCode)})`}`;
    if (value.status === "running") line += `; call wait_run with id "${String(value.id)}" for its end`;
  } else if (typeof value.exitCode === "number") {
    line = `Exited with code ${value.exitCode}${value.timedOut ? " (timed out)" : ""}`;
  }
  return truncated
    ? `${line}. Cut to fit: ${truncated.omitted} of ${truncated.of} left out; ${truncated.hint}`
    : `${line}.`;
}

/** The operation's answer as one object, and how many collected items were already left out while reading. */
async function invoke(
  tool: McpTool,
  input: unknown,
  ctx: OperationContext,
  caller: ToolCaller,
): Promise<{ value: Record<string, unknown>; dropped: number }> {
  const { spec, operation } = tool;
  const result = await operation.run(ctx, input);
  if (!(result instanceof EventFeed))
    return { value: (result ?? { ok: true }) as Record<string, unknown>, dropped: 0 };
  const collected = await collectFeed(result, caller.signal, {
    ...(spec.collect ? { collect: spec.collect } : {}),
    ...(caller.progress ? { progress: caller.progress } : {}),
  });
  if (!spec.collect) return { value: collected.result as Record<string, unknown>, dropped: 0 };
  return { value: { [spec.collect.into]: collected.items }, dropped: collected.dropped };
}

/** The result within its byte limit, with what was cut (while reading, and to fit) told once. */
function fitted(tool: McpTool, value: Record<string, unknown>, dropped: number) {
  const { more, collect } = tool.spec;
  const { value: kept, truncated } = bounded(value, more, collect?.keep);
  if (dropped === 0 || !collect) return { value: kept, truncated };
  const shown = (kept[collect.into] as unknown[]).length;
  const total = shown + (truncated?.omitted ?? 0) + dropped;
  const cut = { omitted: total - shown, of: `${collect.into} (${total} in all)`, hint: more };
  return { value: { ...kept, truncated: cut }, truncated: cut };
}

/**
 * One tool call: the same scope check, input validation, operation and audit entry as the REST call of the
 * operation, with the answer bounded for a model and every failure an `isError` result.
 */
export async function callTool(
  tool: McpTool,
  args: Record<string, unknown>,
  caller: ToolCaller,
): Promise<ToolSuccess | ToolFailure> {
  const { spec, operation } = tool;
  const { services, principal, requestId } = caller;
  const ctx: OperationContext = {
    services,
    principal,
    requestId,
    signal: caller.signal,
    audit: { operationId: operation.name, host: null, target: null },
    stream: spec.collect || (spec.progress && caller.progress) ? "events" : undefined,
  };
  const report = spec.progress ? caller.progress : undefined;
  if (report) {
    let step = 0;
    ctx.progress = (message) => report(++step, message);
  }
  let input: Record<string, unknown> | undefined;
  let status = 500;
  let problem: ApiError | undefined;
  try {
    if (operation.scope && !hasScope(principal, operation.scope)) {
      throw new ApiError("insufficient_scope", `This tool needs the "${operation.scope}" scope.`);
    }
    input = parseArguments(tool, args) as Record<string, unknown>;
    ctx.audit = auditOf(operation, input);
    const { value: result, dropped } = await invoke(tool, input, ctx, caller);
    if (operation.audit) ctx.audit = auditOf(operation, input, result);
    status = successStatus(operation, result);
    const { value: structuredContent, truncated } = fitted(tool, result, dropped);
    return {
      content: [
        { type: "text", text: summaryOf(tool, structuredContent, truncated) },
        { type: "text", text: JSON.stringify(structuredContent) },
      ],
      structuredContent,
    };
  } catch (error) {
    problem = asApiError(error);
    status = problem.status;
    if (status >= 500)
      services.logger.error("tool call failed", {
        requestId,
        tool: spec.name,
        code: problem.code,
        cause: String(problem.cause ?? ""),
      });
    return toolFailure(problem, requestId);
  } finally {
    // Written whatever the call did; a failure to write it is logged, never the caller's answer.
    await services.audit
      .record(
        auditEntry({
          requestId,
          principal,
          target: ctx.audit,
          channel: "mcp",
          method: operation.http.method.toUpperCase(),
          path: restPath(operation, input),
          status,
          problem: problem ? { code: problem.code, detail: problem.message } : undefined,
        }),
      )
      .catch((error: unknown) => {
        services.logger.error("audit entry not written", {
          requestId,
          tool: spec.name,
          error: String(error),
        });
      });
  }
}
