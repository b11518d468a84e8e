import { z } from "zod";
import { RegistryListSchema } from "../../schemas/registry.js";
import { defineOperation } from "../operation.js";

export const listRegistries = defineOperation({
  name: "listRegistries",
  scope: "admin",
  tags: ["Registries"],
  summary: "List registries with stored credentials",
  input: z.object({}),
  output: RegistryListSchema,
  errors: ["internal_error"],
  http: { method: "get", path: "/v1/registries", responses: { 200: "The registries." } },
  async run({ services }) {
    return { items: await services.registries.list() };
  },
});
