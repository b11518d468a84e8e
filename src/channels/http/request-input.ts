import type { Context } from "hono";
import type { AnyOperation } from "../../core/operation.js";
import type { AppEnv } from "../../env.js";
import { ApiError, type FieldError } from "../../errors/api-error.js";
import { invalidInput } from "../../errors/field-errors.js";
import { parseMediaType } from "../../middleware/request-body.js";

type Upload = NonNullable<AnyOperation["http"]["upload"]>;

/** Which part of a request each input field of an operation comes from. */
export type InputParts = {
  params: string[];
  query: string[];
  headers: string[];
  /** The field holding the JSON body; `"input"` when the body is the whole input. */
  body: string | undefined;
};

export function inputParts(operation: AnyOperation): InputParts {
  const { path, headers = [], body, upload } = operation.http;
  const params = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? "");
  const taken = new Set([...params, ...headers, ...(body ? [body] : []), ...(upload ? [upload.field] : [])]);
  const query = body === "input" ? [] : Object.keys(operation.input.shape).filter((key) => !taken.has(key));
  return { params, query, headers: [...headers], body };
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** The JSON body, or `{}` when none was sent as JSON (the schema then says what is missing), as Hono reads it. */
async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim() ?? "";
  if (!JSON_TYPE.test(type)) return {};
  try {
    return await c.req.json();
  } catch {
    throw new ApiError("invalid_request", "Malformed JSON in request body");
  }
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

/** One query value per key, or the list when the key repeats (`?status=a&status=b`). */
function queryValues(c: Context<AppEnv>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
  );
}

/**
 * Refuses query parameters the operation does not take, as unknown body fields are: `?al=true` is a typo of
 * `all`, and answering as if it were not there hides it. Each is named, with the ones the route takes.
 */
export function refuseUnknownQuery(c: Context<AppEnv>, parts: InputParts): void {
  const unknown = Object.keys(c.req.queries()).filter((key) => !parts.query.includes(key));
  if (unknown.length === 0) return;
  const takes = parts.query.length ? `this route takes ${parts.query.join(", ")}` : "this route takes none";
  const issues = unknown.map((key) => ({ path: [key], message: `unknown query parameter (${takes})` }));
  throw invalidInput(issues, (path) => ({ location: "query", path: path.join(".") }));
}

/**
 * The body as the operation takes it: an upload of one of its types as the unread stream (the body gate has
 * let through only declared types, within their limits), else JSON.
 */
async function bodyInput(
  c: Context<AppEnv>,
  parts: InputParts,
  upload: Upload | undefined,
): Promise<Record<string, unknown>> {
  const type = parseMediaType(c.req.header("Content-Type") ?? "")?.type;
  if (upload && type && type in upload.types) return { [upload.field]: c.req.raw.body };
  // An operation that takes either body gets neither when none was sent, and says itself what it needs.
  if (upload && !type) return {};
  return parts.body ? { [parts.body]: await jsonBody(c) } : {};
}

/** The operation's input gathered from path, query, headers and body, before validation. */
export async function rawInput(c: Context<AppEnv>, parts: InputParts, upload?: Upload): Promise<unknown> {
  if (parts.body === "input") return jsonBody(c);
  return {
    ...pick(c.req.param(), parts.params),
    ...pick(queryValues(c), parts.query),
    ...pick(c.req.header(), parts.headers),
    ...(await bodyInput(c, parts, upload)),
  };
}

/** Validates against the operation's input and names each failing field where the client sent it. */
export function parseInput(operation: AnyOperation, parts: InputParts, raw: unknown): unknown {
  const result = operation.input.safeParse(raw);
  if (result.success) return result.data;
  const locationOf = (key: string): FieldError["location"] =>
    parts.params.includes(key) ? "param" : parts.headers.includes(key) ? "header" : "query";
  throw invalidInput(result.error.issues, (path) => {
    if (parts.body === "input") return { location: "json", path: path.join(".") };
    const [key = "", ...rest] = path;
    if (key === parts.body) return { location: "json", path: rest.join(".") };
    return { location: locationOf(key), path: path.join(".") };
  });
}
