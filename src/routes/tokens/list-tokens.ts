import { principalOf } from "../../auth/authenticate.js";
import { hasScope } from "../../auth/principal.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { TokenListSchema } from "../../schemas/token.js";

export const listTokensRoute = operation("tokens:write", {
  method: "get",
  path: "/v1/tokens",
  operationId: "listTokens",
  tags: ["Tokens"],
  summary: "List tokens",
  description:
    "Metadata only, never a token. An admin sees every token; another token sees the tokens it minted itself.",
  errors: [],
  responses: { 200: jsonResponse(TokenListSchema, "The tokens, newest first.") },
});

export function registerListTokens(app: App): void {
  app.openapi(listTokensRoute, async (c) => {
    const principal = principalOf(c);
    const all = await c.get("services").tokens.list();
    const items = hasScope(principal, "admin")
      ? all
      : all.filter((token) => token.createdBy === principal.tokenId);
    return c.json({ items }, 200);
  });
}
