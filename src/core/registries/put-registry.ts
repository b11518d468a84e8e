import {
  AddressParamsSchema,
  RegistryCredentialSchema,
  RegistryStoredSchema,
} from "../../schemas/registry.js";
import { defineOperation } from "../operation.js";

export const putRegistry = defineOperation({
  name: "putRegistry",
  scope: "admin",
  tags: ["Registries"],
  summary: "Store a registry's credentials",
  description:
    "Pulls, pushes and builds on any host use them for images of this registry when the request brings no " +
    "`registryAuth` of its own. The password is encrypted at rest and never returned.",
  input: AddressParamsSchema.extend({ credential: RegistryCredentialSchema }),
  output: RegistryStoredSchema,
  errors: ["invalid_request", "unsupported_media_type", "internal_error"],
  audit: (input) => ({ host: null, target: input.address }),
  http: {
    method: "put",
    path: "/v1/registries/{address}",
    body: "credential",
    responses: { 200: "Replaced.", 201: "Stored." },
    status: (stored) => (stored.created ? 201 : 200),
  },
  async run({ services }, { address, credential }) {
    const { summary, created } = await services.registries.put(address, credential);
    return { ...summary, created };
  },
});
