import { repositoryOf } from "../docker/image-reference.js";
import { ApiError } from "../errors/api-error.js";
import { PolicyGrantsSchema } from "../schemas/policy.js";
import { globToRegExp, hasScope, type Principal } from "./principal.js";

const grantsOf = (principal: Principal) => PolicyGrantsSchema.safeParse(principal.policy).data?.images ?? [];

/**
 * Whether a name is one the token may write (tag, build into, push). A tag is what later pulls and runs
 * resolve without asking a registry, so writing one plants what everyone else on that host will run under the
 * name. Target and grant are both compared fully qualified (`team/app` is `docker.io/team/app`), as the daemon
 * resolves them; admins write any repository.
 */
export function mayWriteRepository(principal: Principal, ref: string): boolean {
  if (hasScope(principal, "admin")) return true;
  const repository = repositoryOf(ref);
  return grantsOf(principal).some(
    (grant) => grant === "*" || globToRegExp(repositoryOf(grant)).test(repository),
  );
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

/** Whether the token may write every repository (admin, or an `images` grant of `*`). */
export function mayWriteAnyRepository(principal: Principal): boolean {
  return hasScope(principal, "admin") || grantsOf(principal).includes("*");
}

const IMAGE_ID = /^(sha256:)?[a-f0-9]{1,64}$/;

/**
 * Removing a name is a write of it too: once gone, the next run under that name pulls it, possibly from a
 * registry anyone may publish to. By name, that name; by id (or what may be read as one), every name the image
 * has.
 */
export function checkMayRemoveImage(principal: Principal, ref: string, repoTags: readonly string[]): void {
  checkMayWriteImages(
    principal,
    IMAGE_ID.test(ref) ? [...repoTags, ...(ref.includes(":") ? [] : [ref])] : [ref],
  );
}
