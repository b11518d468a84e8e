import { hasScope } from "../../auth/principal.js";
import { ApiError } from "../../errors/api-error.js";
import { TokenParamsSchema } from "../../schemas/token.js";
import { defineOperation } from "../operation.js";

export const revokeToken = defineOperation({
  name: "revokeToken",
  scope: "tokens:write",
  tags: ["Tokens"],
  summary: "Revoke a token",
  description:
    "The token is refused from the next request on, and with it every token it minted and theirs, also one being " +
    "minted at that moment. An admin may revoke any token; another token only itself and the tokens it minted.",
  input: TokenParamsSchema,
  output: undefined,
  errors: ["invalid_request", "token_not_found"],
  http: {
    method: "delete",
    path: "/v1/tokens/{id}",
    responses: { 204: "The token is revoked (revoking it again changes nothing)." },
  },
  async run({ principal, services: { tokens } }, { id }) {
    const owned = (await tokens.list()).find((token) => token.id === id);
    const mayRevoke =
      hasScope(principal, "admin") || principal.tokenId === id || owned?.createdBy === principal.tokenId;
    if (!owned || !mayRevoke) throw new ApiError("token_not_found", `Token "${id}" does not exist.`);
    await tokens.revoke(id);
    return undefined;
  },
});
