import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { principalOf } from "../auth/authenticate.js";
import type { Principal } from "../auth/principal.js";
import type { AppEnv } from "../env.js";
import { fingerprint, type KeptResponse } from "./idempotency-keys.js";

export const IdempotencyHeadersSchema = z.object({
  // Hono hands header names to the validator lowercased, and header names are case-insensitive anyway.
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "must be 1 to 255 visible ASCII characters")
    .optional()
    .openapi({
      description:
        "Makes a retry safe: the same key with the same body, from the same caller, within 24 hours gets the " +
        "first answer again (with `Idempotent-Replayed: true`) instead of doing the work twice; the same key " +
        "with another body is 422 `idempotency_key_reuse`.",
      example: "ci-build-4711-deploy",
    }),
});

/**
 * Whose key it is: the caller, and the policy it holds. A token of the same subject with another policy gets a
 * key space of its own (its answer could not have been given under that policy), while a merely renewed token
 * (new jti, same grants) still replays, as a CI retry after a refresh expects. Host grants are checked on the
 * replayed answer itself (`mayReplay`): they can change meaning as host labels change.
 */
function keyOwner(principal: Principal): string {
  return `${principal.issuer}:${principal.subject}:${fingerprint(principal.policy).slice(0, 32)}`;
}

/** Answers with `work`'s result, done at most once per Idempotency-Key when the request carries one. */
export async function respondOnce(
  c: Context<AppEnv>,
  operation: string,
  input: unknown,
  work: () => Promise<KeptResponse>,
  /** Throws when the caller may no longer see a kept answer (its host is not one of the token's any more). */
  mayReplay: (body: unknown) => void = () => {},
): Promise<Response> {
  const key = c.req.header("Idempotency-Key");
  const kept = key
    ? await c
        .get("services")
        .idempotency.once({ principal: keyOwner(principalOf(c)), operation, key }, input, work)
    : { ...(await work()), replayed: false };
  if (kept.replayed) {
    mayReplay(kept.body);
    c.header("Idempotent-Replayed", "true");
  }
  if (kept.location) c.header("Location", kept.location);
  return c.json(kept.body, kept.status as ContentfulStatusCode);
}
