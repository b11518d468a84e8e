import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors/api-error.js";
import { duplicateKey } from "./strict-json.js";

/** JSON bodies are small: a host's certificates are the largest thing portcall takes as JSON. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/** Media types an operation takes, each with the most bytes a body of it may have. */
export type BodyTypes = Record<string, number>;

/** RFC 9110 `type/subtype *( ; name=value )`, read strictly: anything else is no media type at all. */
const MEDIA_TYPE =
  /^([!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+)\s*((?:;\s*[!#$%&'*+.^_`|~0-9a-z-]+=(?:[!#$%&'*+.^_`|~0-9a-z-]+|"[^"]*")\s*)*)$/i;

export function parseMediaType(header: string): { type: string; params: Record<string, string> } | undefined {
  const match = MEDIA_TYPE.exec(header.trim());
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of (match[2] ?? "").split(";").slice(1)) {
    const eq = param.indexOf("=");
    params[param.slice(0, eq).trim().toLowerCase()] = param
      .slice(eq + 1)
      .trim()
      .replace(/^"|"$/g, "");
  }
  return { type: (match[1] ?? "").toLowerCase(), params };
}

function hasBody(headers: Headers): boolean {
  return headers.has("transfer-encoding") || Number(headers.get("content-length") ?? "0") > 0;
}

const size = (bytes: number) =>
  bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;

function unsupported(detail: string, accepted: string[]): ApiError {
  return new ApiError("unsupported_media_type", `${detail} Send Content-Type: ${accepted.join(" or ")}.`);
}

/**
 * The refusal of a body over its limit. The rest of the body is never read, so the connection cannot carry
 * another request: `Connection: close` tells the client not to reuse it.
 */
function tooLarge(limit: number): ApiError {
  return new ApiError("payload_too_large", `The body is larger than ${size(limit)}.`, {
    headers: { Connection: "close" },
  });
}

/**
 * The one rule for request bodies, run after authentication so nothing of an unauthenticated body is read:
 * the Content-Type is parsed and must be exactly one the operation declares (`application/x-tar+json` is not
 * JSON), the body is cut at that type's limit, and a JSON body naming a key twice is refused before any
 * validator sees it (JSON.parse keeps the last one, so a check and an audit could read different values).
 *
 * @example
 * ```ts
 * operation("images:build", { ..., bodyTypes: { "application/json": JSON_BODY_LIMIT, "application/x-tar": 256 << 20 } })
 * ```
 */
export function requestBody(types: BodyTypes) {
  const accepted = Object.keys(types);
  const jsonLimit = bodyLimit({
    maxSize: types["application/json"] ?? JSON_BODY_LIMIT,
    onError: () => {
      throw tooLarge(types["application/json"] ?? JSON_BODY_LIMIT);
    },
  });
  return createMiddleware<AppEnv>(async (c, next) => {
    // An operation without a body never reads one, whatever a client sends along.
    if (accepted.length === 0) return next();
    const header = c.req.header("Content-Type");
    if (header === undefined) {
      if (hasBody(c.req.raw.headers)) throw unsupported("The body has no Content-Type.", accepted);
      return next();
    }
    const media = parseMediaType(header);
    const limit = media ? types[media.type] : undefined;
    if (!media || limit === undefined) {
      // The likeliest 415 of all: curl's -d labels its data a form unless told otherwise.
      const form = media?.type === "application/x-www-form-urlencoded";
      const origin = form ? " (what curl -d sends without -H 'Content-Type: …')" : "";
      throw unsupported(
        `This operation does not take ${JSON.stringify(header.slice(0, 100))}${origin}.`,
        accepted,
      );
    }
    const charset = media.params.charset?.toLowerCase();
    if (charset !== undefined && charset !== "utf-8")
      throw unsupported(`The charset ${charset} is not taken.`, accepted);
    if (media.type !== "application/json") {
      // Large uploads stream through their route, which counts what it reads: buffering them here would hold
      // the whole body in memory. A declared length over the limit is refused before a byte is read.
      if (Number(c.req.header("Content-Length") ?? "0") > limit) throw tooLarge(limit);
      return next();
    }
    return jsonLimit(c, async () => {
      const key = duplicateKey(await c.req.text());
      if (key !== undefined) {
        throw new ApiError("invalid_request", `The JSON body gives the key "${key}" twice in one object.`, {
          errors: [{ location: "json", path: key, message: "duplicate key" }],
        });
      }
      await next();
    });
  });
}
