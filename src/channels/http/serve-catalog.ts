import type { AnyOperation } from "../../core/operation.js";
import type { App } from "../../env.js";
import { bindOperation } from "./bind-operation.js";

export function serveOperations(app: App, operations: readonly AnyOperation[]): void {
  for (const operation of operations) bindOperation(app, operation);
}
