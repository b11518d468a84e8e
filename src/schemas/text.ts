import { z } from "@hono/zod-openapi";

// No flags on purpose: the pattern is published in the OpenAPI document as an ECMA-262 regex.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it refuses
const PLAIN_TEXT = /^[^\x00-\x1f\x7f]*$/;

/**
 * A string that names or labels something: no C0 control character and no DEL, which mean nothing in a name
 * and only mislead where it is shown (a log line, a terminal). NUL in particular cannot be kept by PostgreSQL
 * at all: its `text` refuses it, and its `json` cannot hand a value back out of a document holding `\u0000`
 * (`->>` fails), so one such label would break every label filter over the rows beside it.
 */
export const plainText = () => z.string().regex(PLAIN_TEXT, "must not contain control characters");
