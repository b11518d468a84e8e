import { z } from "@hono/zod-openapi";
import { plainText } from "./text.js";

const ADDRESS =
  /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9-]+|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?$|^docker\.io$/;

export const AddressParamsSchema = z.object({
  address: z
    .string()
    .regex(ADDRESS, "must be a registry host[:port] as in an image reference")
    .openapi({ param: { name: "address", in: "path" }, example: "registry.example:5000" }),
});

export const RegistrySchema = z
  .object({
    address: z.string(),
    username: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Registry", { description: "Stored credentials of a registry; the password is never returned." });

export const RegistryListSchema = z.object({ items: z.array(RegistrySchema) }).openapi("RegistryList");

export const RegistryCredentialSchema = z
  .object({ username: plainText().min(1).max(256), password: z.string().min(1).max(4096) })
  .strict()
  .openapi("RegistryCredential", { example: { username: "ci", password: "s3cret" } });

export const RegistryStoredSchema = RegistrySchema.extend({
  created: z.boolean().openapi({
    description:
      "Whether this call stored the address's first credentials (201) or replaced earlier ones (200).",
  }),
}).openapi("RegistryStored", { description: "Credentials as stored; the password is never returned." });
