import { repositoryOf } from "../docker/image-reference.js";
import { ApiError } from "../errors/api-error.js";
import { PolicyGrantsSchema } from "../schemas/policy.js";
import { hasScope, type Principal } from "./principal.js";

function globMatches(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`).test(value);
}

/**
 * Whether a name is one the token may write (tag, build into, push). A tag is what later pulls and runs
 * resolve without asking a registry, so writing one plants what everyone else on that host will run under the
 * name. Target and grant are both compared fully qualified (`team/app` is `docker.io/team/app`), as the daemon
 * resolves them; admins write any repository.
 */
export function mayWriteRepository(principal: Principal, ref: string): boolean {
  if (hasScope(principal, "admin")) return true;
  const grants = PolicyGrantsSchema.safeParse(principal.policy).data?.images ?? [];
  const repository = repositoryOf(ref);
  return grants.some((grant) => grant === "*" || globMatches(repositoryOf(grant), repository));
}

/** Refuses, naming the first, any reference outside the token's `images` grant. */
export function checkMayWriteImages(principal: Principal, refs: readonly string[]): void {
  const refused = refs.find((ref) => !mayWriteRepository(principal, ref));
  if (refused === undefined) return;
  throw new ApiError(
    "policy_denied",
    `The token may not write ${repositoryOf(refused)} (from "${refused}"). ` +
      `The policy grant images: ["${repositoryOf(refused)}"] would allow it.`,
  );
}
