import { z } from "zod";
import { hasScope } from "../../auth/principal.js";
import { TokenListSchema } from "../../schemas/token.js";
import { defineOperation } from "../operation.js";

export const listTokens = defineOperation({
  name: "listTokens",
  scope: "tokens:write",
  tags: ["Tokens"],
  summary: "List tokens",
  description:
    "Metadata only, never a token. An admin sees every token; another token sees the tokens it minted itself.",
  input: z.object({}),
  output: TokenListSchema,
  errors: [],
  http: { method: "get", path: "/v1/tokens", responses: { 200: "The tokens, newest first." } },
  async run({ principal, services }) {
    const all = await services.tokens.list();
    const items = hasScope(principal, "admin")
      ? all
      : all.filter((token) => token.createdBy === principal.tokenId);
    return { items };
  },
});
