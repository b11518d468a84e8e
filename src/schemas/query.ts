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
