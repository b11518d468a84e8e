import { z } from "zod";
import type { AnyOperation } from "../../core/operation.js";

type JsonSchema = Record<string, unknown>;

/** A `true`/`false` text field as the HTTP query has it; a model sends a JSON boolean instead. */
function isBooleanText(schema: JsonSchema): boolean {
  const values = schema.enum;
  return (
    schema.type === "string" &&
    Array.isArray(values) &&
    values.length === 2 &&
    values.includes("true") &&
    values.includes("false")
  );
}

/** What a field takes, as JSON Schema: the input side (a query's text, not what it is parsed into). */
function inputSchemaOf(field: z.ZodType): JsonSchema {
  const { $schema: _, ...schema } = z.toJSONSchema(field, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return schema;
}

function isText(schema: JsonSchema): boolean {
  const options = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [schema];
  return options.every((option) => option.type === "string");
}

/**
 * How a tool's arguments become the operation's input: the body's fields sit beside the path and query fields
 * (a model need not know which part of an HTTP request each would be), header fields are not offered, and a
 * query's text forms (`"true"`, `"5"`) are taken as the JSON values a model sends.
 */
export class ToolInput {
  readonly jsonSchema: JsonSchema;
  private readonly flatBody: string | undefined;
  /** The body's fields, offered beside the others; empty when the body is not flattened. */
  private readonly bodyKeys = new Set<string>();
  private readonly textFields = new Set<string>();

  /** Whether the body's fields are offered beside the others (argument names then lack the body's key). */
  get flattens(): boolean {
    return this.flatBody !== undefined;
  }

  constructor(
    operation: AnyOperation,
    /** Fields the tool sets itself and does not offer. */
    hidden: readonly string[] = [],
  ) {
    const { input, http } = operation;
    const offered: Record<string, z.ZodType> = {};
    const schemas = new Map<string, JsonSchema>();
    for (const [key, field] of Object.entries(input.shape)) {
      if (http.headers?.includes(key) || key === http.upload?.field) continue;
      // Only path and query fields come as text; a body (the whole input, or one field of it) is JSON already.
      if (http.body !== "input" && key !== http.body) {
        const schema = inputSchemaOf(field as z.ZodType);
        schemas.set(key, schema);
        if (isText(schema)) this.textFields.add(key);
      }
      if (!hidden.includes(key)) offered[key] = field as z.ZodType;
    }
    const body = http.body && http.body !== "input" ? offered[http.body] : undefined;
    const bodyShape = body instanceof z.ZodObject ? (body.shape as Record<string, z.ZodType>) : undefined;
    // Flattened only when no body field would shadow a path or query field of the same name.
    if (http.body && bodyShape && !Object.keys(bodyShape).some((key) => key in offered)) {
      this.flatBody = http.body;
      delete offered[http.body];
      Object.assign(offered, bodyShape);
      for (const key of Object.keys(bodyShape)) this.bodyKeys.add(key);
    }
    this.jsonSchema = this.describe(offered, schemas);
  }

  private describe(fields: Record<string, z.ZodType>, known: Map<string, JsonSchema>): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [key, field] of Object.entries(fields)) {
      let schema = known.get(key) ?? inputSchemaOf(field);
      if (isBooleanText(schema)) {
        const fallback = schema.default === undefined ? {} : { default: schema.default === "true" };
        schema = {
          type: "boolean",
          ...fallback,
          ...(schema.description ? { description: schema.description } : {}),
        };
      }
      properties[key] = schema;
      // A field with a default (or a list that may be left out) is not required, whatever its JSON Schema says.
      if (!field.safeParse(undefined).success) required.push(key);
    }
    return { type: "object", properties, required, additionalProperties: false };
  }

  /** The operation's input, before its own validation, from a tool call's arguments. */
  toInput(args: Record<string, unknown>): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args)) {
      if (this.bodyKeys.has(key)) body[key] = value;
      else if (this.textFields.has(key) && (typeof value === "boolean" || typeof value === "number"))
        fields[key] = String(value);
      else fields[key] = value;
    }
    if (this.flatBody) fields[this.flatBody] = body;
    return fields;
  }
}
