import { z } from "zod";
import type { AnyOperation } from "../../core/operation.js";
import { ToolInput } from "./tool-input.js";
import type { ToolSpec } from "./tools.js";

type JsonSchema = Record<string, unknown>;

/** A tool as the MCP channel serves it: its spec, its operation, and the schemas a client sees. */
export type McpTool = {
  spec: ToolSpec;
  operation: AnyOperation;
  input: ToolInput;
  outputSchema: JsonSchema;
  annotations: {
    title: string;
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
};

const TRUNCATED: JsonSchema = {
  type: "object",
  description: "Present when the result was cut to the byte limit: how much went, and how to get it.",
  properties: { omitted: { type: "integer" }, of: { type: "string" }, hint: { type: "string" } },
  required: ["omitted", "of", "hint"],
};

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

function outputSchemaOf(spec: ToolSpec, operation: AnyOperation): JsonSchema {
  if (spec.collect) {
    if (!operation.stream)
      throw new Error(`Tool ${spec.name} collects a stream its operation does not have.`);
    const items = { type: "array", items: jsonSchemaOf(operation.stream.events) };
    return {
      type: "object",
      properties: { [spec.collect.into]: items, truncated: TRUNCATED },
      required: [spec.collect.into],
    };
  }
  if (!operation.output) {
    return { type: "object", properties: { ok: { type: "boolean", const: true } }, required: ["ok"] };
  }
  const json = jsonSchemaOf(operation.output);
  if (json.type !== "object") throw new Error(`Tool ${spec.name}: an MCP result must be an object.`);
  return { ...json, properties: { ...(json.properties as JsonSchema), truncated: TRUNCATED } };
}

/**
 * The tools of `specs` over `operations`, checked once at start: a tool naming an operation that is not in the
 * catalog is a mistake in this code, not something to find at a call.
 */
export function buildTools(specs: readonly ToolSpec[], operations: readonly AnyOperation[]): McpTool[] {
  const byName = new Map(operations.map((operation) => [operation.name, operation]));
  return specs.map((spec) => {
    const operation = byName.get(spec.operation);
    if (!operation)
      throw new Error(`Tool ${spec.name} names operation ${spec.operation}, not in the catalog.`);
    if (!operation.scope) throw new Error(`Tool ${spec.name}: public operations are not tools.`);
    const { readOnly, destructive = false, idempotent = readOnly, openWorld = false } = spec.hints;
    return {
      spec,
      operation,
      input: new ToolInput(operation, Object.keys(spec.fixed ?? {})),
      outputSchema: outputSchemaOf(spec, operation),
      annotations: {
        title: spec.title,
        readOnlyHint: readOnly,
        destructiveHint: !readOnly && destructive,
        idempotentHint: idempotent,
        openWorldHint: openWorld,
      },
    };
  });
}
