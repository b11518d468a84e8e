import { z } from "@hono/zod-openapi";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";

const ADDRESS =
  /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9-]+|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?$|^docker\.io$/;

const AddressParamsSchema = z.object({
  address: z
    .string()
    .regex(ADDRESS, "must be a registry host[:port] as in an image reference")
    .openapi({ param: { name: "address", in: "path" }, example: "registry.example:5000" }),
});

const RegistrySchema = z
  .object({
    address: z.string(),
    username: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Registry", { description: "Stored credentials of a registry; the password is never returned." });

const RegistryCredentialSchema = z
  .object({ username: z.string().min(1).max(256), password: z.string().min(1).max(4096) })
  .strict()
  .openapi("RegistryCredential", { example: { username: "ci", password: "s3cret" } });

const putRegistryRoute = operation("admin", {
  method: "put",
  path: "/v1/registries/{address}",
  operationId: "putRegistry",
  tags: ["Registries"],
  summary: "Store a registry's credentials",
  description:
    "Pulls, pushes and builds on any host use them for images of this registry when the request brings no " +
    "`registryAuth` of its own. The password is encrypted at rest and never returned.",
  request: {
    params: AddressParamsSchema,
    body: { content: { "application/json": { schema: RegistryCredentialSchema } }, required: true },
  },
  errors: ["invalid_request", "unsupported_media_type"],
  responses: {
    200: jsonResponse(RegistrySchema, "Replaced."),
    201: jsonResponse(RegistrySchema, "Stored."),
  },
});

const listRegistriesRoute = operation("admin", {
  method: "get",
  path: "/v1/registries",
  operationId: "listRegistries",
  tags: ["Registries"],
  summary: "List registries with stored credentials",
  errors: [],
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(RegistrySchema) }).openapi("RegistryList"),
      "The registries.",
    ),
  },
});

const deleteRegistryRoute = operation("admin", {
  method: "delete",
  path: "/v1/registries/{address}",
  operationId: "deleteRegistry",
  tags: ["Registries"],
  summary: "Forget a registry's credentials",
  request: { params: AddressParamsSchema },
  errors: ["invalid_request", "registry_not_found"],
  responses: { 204: { description: "Forgotten." } },
});

export function registerRegistries(app: App): void {
  app.openapi(putRegistryRoute, async (c) => {
    const { address } = c.req.valid("param");
    c.set("audit", { operationId: "putRegistry", host: null, target: address });
    const { summary, created } = await c.get("services").registries.put(address, c.req.valid("json"));
    return created ? c.json(summary, 201) : c.json(summary, 200);
  });
  app.openapi(listRegistriesRoute, async (c) =>
    c.json({ items: await c.get("services").registries.list() }, 200),
  );
  app.openapi(deleteRegistryRoute, async (c) => {
    const { address } = c.req.valid("param");
    c.set("audit", { operationId: "deleteRegistry", host: null, target: address });
    await c.get("services").registries.remove(address);
    return c.body(null, 204);
  });
}
