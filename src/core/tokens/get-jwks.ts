import { z } from "zod";
import { JwksSchema } from "../../schemas/token.js";
import { defineOperation } from "../operation.js";

export const getJwks = defineOperation({
  name: "getJwks",
  scope: null,
  tags: ["Tokens"],
  summary: "Public keys that verify portcall's tokens",
  description:
    "A JSON Web Key Set with portcall's Ed25519 (EdDSA) signing key, for services that verify its tokens.",
  input: z.object({}),
  output: JwksSchema,
  errors: [],
  http: {
    method: "get",
    path: "/.well-known/jwks.json",
    responses: { 200: "The key set." },
    cacheControl: "public, max-age=300",
  },
  run: async ({ services }) => JwksSchema.parse(services.tokens.jwks),
});
