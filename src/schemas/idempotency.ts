import { z } from "@hono/zod-openapi";

/** The `Idempotency-Key` of a request: an input field of the operations that make something. */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, "must be 1 to 255 visible ASCII characters")
  .optional()
  .openapi({
    description:
      "Makes a retry safe: the same key with the same body, from the same caller, within 24 hours gets the " +
      "first answer again (with `Idempotent-Replayed: true`) instead of doing the work twice; the same key " +
      "with another body is 422 `idempotency_key_reuse`.",
    example: "ci-build-4711-deploy",
  });

export const IdempotencyHeadersSchema = z.object({
  // Hono hands header names to the validator lowercased, and header names are case-insensitive anyway.
  "idempotency-key": IdempotencyKeySchema,
});
