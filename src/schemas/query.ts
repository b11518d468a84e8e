import { z } from "@hono/zod-openapi";

/** A `true`/`false` query parameter, read as a boolean. Only those two words: `1`, `yes` or `on` are typos here. */
export const booleanQuery = (fallback: boolean, description: string) =>
  z
    .enum(["true", "false"])
    .default(fallback ? "true" : "false")
    .transform((value) => value === "true")
    .openapi({ description });

/** A query parameter that may be given several times; one occurrence arrives as a plain string, none as []. */
export const repeatedQuery = <T extends z.ZodType>(list: z.ZodArray<T>) =>
  z.preprocess((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]), list);

// Docker label keys are free-form, but a filter that could smuggle a second filter or control bytes is not.
// No flags on purpose: the pattern is published in the OpenAPI document as an ECMA-262 regex.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it refuses
const LABEL_FILTER = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}(=[^\x00-\x1f\x7f]{0,1024})?$/;

/** `label=key` or `label=key=value`, repeatable, all of which must match. */
export const labelFilterQuery = (things: string) =>
  repeatedQuery(z.array(z.string().regex(LABEL_FILTER, "must be `key` or `key=value`")).max(32)).openapi({
    description: `Only ${things} with this label (\`key\`) or label value (\`key=value\`). Repeat to require several.`,
    example: ["app=web"],
  });

/** A label filter split into its key and, when it has one, its value. */
export function splitLabelFilter(filter: string): [string, string | undefined] {
  const eq = filter.indexOf("=");
  return eq === -1 ? [filter, undefined] : [filter.slice(0, eq), filter.slice(eq + 1)];
}
