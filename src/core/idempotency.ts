import type { Principal } from "../auth/principal.js";
import { fingerprint } from "../idempotency/idempotency-keys.js";
import type { CallContext } from "./context.js";

/**
 * Whose key it is: the caller, and the policy it holds. A token of the same subject with another policy gets a
 * key space of its own (its answer could not have been given under that policy), while a merely renewed token
 * (new jti, same grants) still replays, as a CI retry after a refresh expects. Host grants are checked on the
 * replayed answer itself (`mayReplay`): they can change meaning as host labels change.
 */
function keyOwner(principal: Principal): string {
  return `${principal.issuer}:${principal.subject}:${fingerprint(principal.policy).slice(0, 32)}`;
}

/**
 * `work`'s result, done at most once per idempotency key when the call has one: a retry with the same key and
 * input gets the first result again and `ctx.replayed` is set, so the channel can say so.
 */
export async function once<R>(
  ctx: CallContext,
  key: string | undefined,
  input: unknown,
  work: () => Promise<R>,
  /** Throws when the caller may no longer see a kept result (its host is not one of the token's any more). */
  mayReplay: (kept: R) => void = () => {},
): Promise<R> {
  if (!key) return work();
  const scope = { principal: keyOwner(ctx.principal), operation: ctx.audit.operationId, key };
  const kept = await ctx.services.idempotency.once(
    scope,
    input,
    async () => ({ body: await work() }),
    ctx.signal,
  );
  // The body is what `work` returned when this key was first answered.
  const result = kept.body as R;
  if (kept.replayed) {
    mayReplay(result);
    ctx.replayed = true;
  }
  return result;
}
