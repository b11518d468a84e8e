import { AddressParamsSchema } from "../../schemas/registry.js";
import { defineOperation } from "../operation.js";

export const deleteRegistry = defineOperation({
  name: "deleteRegistry",
  scope: "admin",
  tags: ["Registries"],
  summary: "Forget a registry's credentials",
  input: AddressParamsSchema,
  output: undefined,
  errors: ["invalid_request", "registry_not_found", "internal_error"],
  audit: (input) => ({ host: null, target: input.address }),
  http: { method: "delete", path: "/v1/registries/{address}", responses: { 204: "Forgotten." } },
  async run({ services }, { address }) {
    await services.registries.remove(address);
    return undefined;
  },
});
