import { parseDuration } from "../../auth/duration.js";
import { ApiError } from "../../errors/api-error.js";
import { TokenCreatedSchema, TokenCreateSchema } from "../../schemas/token.js";
import { defineOperation } from "../operation.js";

export const createToken = defineOperation({
  name: "createToken",
  scope: "tokens:write",
  tags: ["Tokens"],
  summary: "Mint a token",
  description:
    "Mints a narrower token for a bot or a CI job. A token never gets more scopes, hosts, policy grants or " +
    "lifetime than the caller's own token (403 `forbidden`). The token is in the answer once and never again.",
  input: TokenCreateSchema,
  output: TokenCreatedSchema,
  errors: ["invalid_request", "forbidden", "unsupported_media_type"],
  audit: (_, token) => ({ host: null, target: token?.id ?? null }),
  http: {
    method: "post",
    path: "/v1/tokens",
    body: "input",
    responses: { 201: "The token and its metadata." },
  },
  async run({ principal, services }, body) {
    const ttlSeconds = parseDuration(body.ttl);
    if (!ttlSeconds) throw new ApiError("invalid_request", "ttl must be a positive duration like 30d.");
    const { token, metadata } = await services.tokens.mint(principal, {
      name: body.name,
      subject: body.subject,
      scopes: body.scopes,
      hosts: body.hosts,
      policy: body.policy,
      ttlSeconds,
    });
    return { ...metadata, token };
  },
});
