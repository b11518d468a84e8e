import type { z } from "zod";
import type { Principal } from "../auth/principal.js";
import type { Scope } from "../auth/scopes.js";
import type { ErrorCode } from "../errors/api-error.js";
import type { AuditRecord, CallContext, PublicContext } from "./context.js";
import type { Feed } from "./streams.js";

/** The statuses a REST answer that is not an error can have. */
export type SuccessStatus = 200 | 201 | 202 | 204 | 503;

/**
 * Where an operation lives in the REST API, as plain data: the HTTP channel reads it, other channels ignore it.
 * Path parameters are the `{names}` of `path`; `headers` name the input fields read from request headers;
 * `body` is the input field holding the JSON body (`"input"`: the whole input is the body); every other field
 * of the input is read from the query.
 */
export type HttpBinding<I, R> = {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  headers?: ReadonlyArray<keyof I & string>;
  body?: "input" | (keyof I & string);
  /** Each status the operation answers with when it succeeds, with what it means. */
  responses: Partial<Record<SuccessStatus, string>>;
  /** Which of `responses` a result gets, when there is more than one. */
  status?(result: R): SuccessStatus;
  /** Where a resource the result names lives: sent as `Location`. */
  location?(result: R, input: I): string;
  cacheControl?: string;
  /**
   * A body that is not JSON, handed to `run` unread as a stream in the input field `field` when the request's
   * media type is one of `types` (each with its size limit); any other request's body is JSON, as `body` says.
   */
  upload?: { field: keyof I & string; types: Record<string, number> };
};

/**
 * How an operation answers as it goes: `events` is the schema of each event; `only`, when the operation has
 * no single-result form (a log, an event stream); `text`, when it also has a plain-text form (which is then
 * the default). A call that takes events (`ctx.stream`) gets an EventFeed (or TextFeed) from `run`.
 */
export type StreamBinding = { events: z.ZodType; only?: boolean; text?: boolean };

/** The caller a scope requires: a protected operation gets a principal, a public one (`scope: null`) does not. */
export type ContextFor<S extends Scope | null> = S extends Scope ? CallContext : PublicContext;

type Output<O extends z.ZodType | undefined> = O extends z.ZodType ? z.output<O> : undefined;

/**
 * One operation of portcall, whatever channel calls it: what it takes and gives, who may call it, how it can
 * fail, and what it does. `run` gets validated input and may throw only ApiError with one of `errors`.
 */
export type Operation<
  I extends z.ZodObject = z.ZodObject,
  O extends z.ZodType | undefined = z.ZodType | undefined,
  S extends Scope | null = Scope | null,
> = {
  /** Unique and stable: the OpenAPI operationId, the audit log's operationId, a tool's name. */
  name: string;
  scope: S;
  tags: string[];
  summary: string;
  description?: string;
  input: I;
  /** What a result looks like; undefined when the operation answers nothing but success. */
  output: O;
  errors: ErrorCode[];
  /**
   * The host and object the audit entry names, from the input (before the work) and the result (after it).
   * Without it: the input's `host` and `id`.
   */
  audit?(input: z.output<I>, result: Output<O> | undefined): Partial<Omit<AuditRecord, "operationId">>;
  http: HttpBinding<z.output<I>, Output<O>>;
  stream?: StreamBinding;
  run(ctx: ContextFor<S>, input: z.output<I>): Promise<Output<O> | Feed>;
};

/** Types an operation's callbacks from its schemas; the catalog holds what it returns. */
export function defineOperation<
  I extends z.ZodObject,
  O extends z.ZodType | undefined,
  const S extends Scope | null,
>(operation: Operation<I, O, S>): Operation<I, O, S> {
  return operation;
}

/** An operation of any input and output, as the catalog and the channels hold them. */
export type AnyOperation = {
  readonly name: string;
  readonly scope: Scope | null;
  readonly tags: string[];
  readonly summary: string;
  readonly description?: string;
  readonly input: z.ZodObject;
  readonly output: z.ZodType | undefined;
  readonly errors: ErrorCode[];
  // Method syntax on purpose: parameters of methods are compared both ways, so any operation fits here.
  audit?(input: unknown, result: unknown): Partial<Omit<AuditRecord, "operationId">>;
  readonly http: {
    method: HttpBinding<unknown, unknown>["method"];
    path: string;
    headers?: readonly string[];
    body?: string;
    responses: Partial<Record<SuccessStatus, string>>;
    status?(result: unknown): SuccessStatus;
    location?(result: unknown, input: unknown): string;
    cacheControl?: string;
    upload?: { field: string; types: Record<string, number> };
  };
  readonly stream?: StreamBinding;
  run(ctx: OperationContext, input: unknown): Promise<unknown>;
};

/** The context a channel builds for an operation it holds as AnyOperation: a principal when the scope asks one. */
export type OperationContext = PublicContext & { principal?: Principal | undefined };

/**
 * The status a successful call answers with: what the operation's binding says of its result, or its only
 * success status. The HTTP channel sends it; the MCP channel records it, so both audit the same call alike.
 */
export function successStatus(operation: AnyOperation, result: unknown): SuccessStatus {
  if (operation.http.status) return operation.http.status(result);
  const [only] = Object.keys(operation.http.responses);
  return Number(only) as SuccessStatus;
}

/** The audit target of a call before its operation says more: the host and object its input names. */
export function auditOf(operation: AnyOperation, input: unknown, result?: unknown): AuditRecord {
  const fields = (input ?? {}) as Record<string, unknown>;
  const named = (key: string) => (typeof fields[key] === "string" ? (fields[key] as string) : null);
  return {
    operationId: operation.name,
    host: named("host"),
    target: named("id"),
    ...operation.audit?.(input, result),
  };
}
