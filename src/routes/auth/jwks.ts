import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { publicRoute } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";

const JwksSchema = z
  .object({
    keys: z.array(
      z
        .object({
          kty: z.string(),
          crv: z.string(),
          x: z.string(),
          kid: z.string(),
          alg: z.string(),
          use: z.string(),
        })
        .openapi("Jwk"),
    ),
  })
  .openapi("JsonWebKeySet");

export const jwksRoute = publicRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  operationId: "getJwks",
  tags: ["Tokens"],
  summary: "Public keys that verify portcall's tokens",
  description:
    "A JSON Web Key Set with portcall's Ed25519 (EdDSA) signing key, for services that verify its tokens.",
  errors: [],
  responses: { 200: jsonResponse(JwksSchema, "The key set.") },
});

export function registerJwks(app: App): void {
  app.openapi(jwksRoute, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(c.get("services").tokens.jwks as z.infer<typeof JwksSchema>, 200);
  });
}
