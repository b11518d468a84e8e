import type { AnyOperation } from "../operation.js";
import { deleteRegistry } from "./delete-registry.js";
import { listRegistries } from "./list-registries.js";
import { putRegistry } from "./put-registry.js";

/** The registries operations, in the order the API document lists them. */
export const REGISTRIES: AnyOperation[] = [putRegistry, deleteRegistry, listRegistries];
