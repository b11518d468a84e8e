import { principalOf } from "../../auth/authenticate.js";
import { parseDuration } from "../../auth/duration.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { TokenCreatedSchema, TokenCreateSchema } from "../../schemas/token.js";

export const createTokenRoute = operation("tokens:write", {
  method: "post",
  path: "/v1/tokens",
  operationId: "createToken",
  tags: ["Tokens"],
  summary: "Mint a token",
  description:
    "Mints a narrower token for a bot or a CI job. A token never gets more scopes, hosts, policy grants or " +
    "lifetime than the caller's own token (403 `forbidden`). The token is in the answer once and never again.",
  request: { body: { content: { "application/json": { schema: TokenCreateSchema } }, required: true } },
  errors: ["invalid_request", "forbidden", "unsupported_media_type"],
  responses: { 201: jsonResponse(TokenCreatedSchema, "The token and its metadata.") },
});

export function registerCreateToken(app: App): void {
  app.openapi(createTokenRoute, async (c) => {
    const body = c.req.valid("json");
    const ttlSeconds = parseDuration(body.ttl);
    if (!ttlSeconds) throw new ApiError("invalid_request", "ttl must be a positive duration like 30d.");
    const { token, metadata } = await c.get("services").tokens.mint(principalOf(c), {
      name: body.name,
      subject: body.subject,
      scopes: body.scopes,
      hosts: body.hosts,
      policy: body.policy,
      ttlSeconds,
    });
    c.set("audit", { operationId: "createToken", host: null, target: metadata.id });
    return c.json({ ...metadata, token }, 201);
  });
}
