import { z } from "@hono/zod-openapi";
import { SCOPES } from "../auth/scopes.js";
import { PolicyGrantsSchema } from "./policy.js";
import { plainText } from "./text.js";

export const ScopeSchema = z
  .enum(SCOPES)
  .openapi("Scope", { description: "`admin` implies every other scope." });

export const HostGrantSchema = z
  .string()
  .regex(
    /^(\*|[a-z0-9*][a-z0-9*-]{0,62}|label:[A-Za-z0-9][A-Za-z0-9._/-]{0,62}(=[^\s]{0,256})?)$/,
    "must be a host id, a glob like build-*, label:key=value, or *",
  )
  .openapi("HostGrant", {
    description:
      "A host id, a glob over ids (`build-*`), a label selector (`label:env=prod`), or `*` for every host.",
    example: "build-*",
  });

export const TokenCreateSchema = z
  .object({
    name: plainText().min(1).max(100).openapi({ example: "ci-deployer" }),
    scopes: z
      .array(ScopeSchema)
      .min(1)
      .openapi({ example: ["runs:create", "containers:read"] }),
    hosts: z
      .array(HostGrantSchema)
      .min(1)
      .openapi({ example: ["build-*"] }),
    policy: PolicyGrantsSchema.optional(),
    ttl: z
      .string()
      .regex(/^\d{1,9}[smhd]?$/, "must be a duration like 30d, 12h, 15m or 3600")
      .default("30d")
      .openapi({
        description: "Lifetime: `30d`, `12h`, `15m`, or seconds. At most the server's maximum.",
        example: "30d",
      }),
    subject: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({
        description:
          "Who the token acts for, as recorded in the audit log; host ownership, placement and concurrency limits " +
          "go by it. A non-admin's token acts for its creator's subject; only an admin may set one, and an admin's " +
          "token without one gets a subject of its own (`token:<id>`).",
      }),
  })
  .strict()
  .openapi("TokenCreate", {
    example: { name: "log-reader-bot", scopes: ["containers:read"], hosts: ["label:env=staging"], ttl: "7d" },
  });

export const TokenMetadataSchema = z
  .object({
    id: z.string().openapi({ description: "The token's `jti`; revoke it with DELETE /v1/tokens/{id}." }),
    name: z.string(),
    subject: z.string(),
    scopes: z.array(ScopeSchema),
    hosts: z.array(z.string()),
    policy: PolicyGrantsSchema,
    createdBy: z.string().openapi({ description: "Id of the token that minted it, or `cli`." }),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "Updated within about 30 seconds of use." }),
  })
  .openapi("TokenMetadata");

export const TokenCreatedSchema = TokenMetadataSchema.extend({
  token: z.string().openapi({ description: "The bearer token. Shown once: portcall does not keep it." }),
}).openapi("TokenCreated");

export const TokenListSchema = z.object({ items: z.array(TokenMetadataSchema) }).openapi("TokenList");

export const TokenParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "The token's id (`jti`)." }),
});

export const JwksSchema = z
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
