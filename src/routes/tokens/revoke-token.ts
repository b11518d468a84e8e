import { z } from "@hono/zod-openapi";
import { principalOf } from "../../auth/authenticate.js";
import { hasScope } from "../../auth/principal.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { operation } from "../../openapi/operation.js";

const TokenParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "The token's id (`jti`)." }),
});

export const revokeTokenRoute = operation("tokens:write", {
  method: "delete",
  path: "/v1/tokens/{id}",
  operationId: "revokeToken",
  tags: ["Tokens"],
  summary: "Revoke a token",
  description:
    "The token is refused from the next request on, and with it every token it minted and theirs, also one being " +
    "minted at that moment. An admin may revoke any token; another token only itself and the tokens it minted.",
  request: { params: TokenParamsSchema },
  errors: ["invalid_request", "token_not_found"],
  responses: { 204: { description: "The token is revoked (revoking it again changes nothing)." } },
});

export function registerRevokeToken(app: App): void {
  app.openapi(revokeTokenRoute, async (c) => {
    const { id } = c.req.valid("param");
    const principal = principalOf(c);
    const { tokens } = c.get("services");
    const owned = (await tokens.list()).find((token) => token.id === id);
    const mayRevoke =
      hasScope(principal, "admin") || principal.tokenId === id || owned?.createdBy === principal.tokenId;
    if (!owned || !mayRevoke) throw new ApiError("token_not_found", `Token "${id}" does not exist.`);
    await tokens.revoke(id);
    return c.body(null, 204);
  });
}
