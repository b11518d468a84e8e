import type { HostRecord } from "../hosts/host-record.js";
import type { Scope } from "./scopes.js";

/** Who is calling, as established by a verified token; authorization reads nothing else. */
export type Principal = {
  subject: string;
  /** The token's `jti`; for portcall's own tokens, the id that `DELETE /v1/tokens/{id}` revokes. */
  tokenId: string;
  issuer: "portcall" | "oidc";
  scopes: ReadonlySet<Scope>;
  /** Host grants: ids, globs (`build-*`), label selectors (`label:env=prod`), or `*` for all. */
  hosts: readonly string[];
  /** Grants that loosen the container-create policy (reserved; enforced by the create policy). */
  policy: Record<string, unknown>;
  expiresAt: number;
};

/**
 * Who a principal is across issuers (`portcall:alice`, `oidc:alice`): an OIDC `sub` that happens to equal a
 * portcall subject is someone else.
 */
export function identityOf(principal: Pick<Principal, "issuer" | "subject">): string {
  return `${principal.issuer}:${principal.subject}`;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has("admin") || principal.scopes.has(scope);
}

/** `*` matches any characters (`/` and `.` included); everything else stands for itself. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/** Whether one grant lets the principal use a host with this id and these labels. */
function grantMatches(grant: string, host: Pick<HostRecord, "id" | "labels">): boolean {
  if (grant === "*") return true;
  if (grant.startsWith("label:")) {
    const selector = grant.slice("label:".length);
    const eq = selector.indexOf("=");
    // Own keys only: `label:toString` must not match every host through Object.prototype.
    if (eq === -1) return Object.hasOwn(host.labels, selector);
    const key = selector.slice(0, eq);
    return Object.hasOwn(host.labels, key) && host.labels[key] === selector.slice(eq + 1);
  }
  return grant.includes("*") ? globToRegExp(grant).test(host.id) : grant === host.id;
}

/** A host outside the grants does not exist for this principal. */
export function canUseHost(principal: Principal, host: Pick<HostRecord, "id" | "labels">): boolean {
  return principal.hosts.some((grant) => grantMatches(grant, host));
}

/**
 * Whether every host `requested` could ever match is matched by one of `held`. A glob matched by another
 * glob read as a literal string is covered: host ids cannot contain `*`, so each `*` it expands to stays
 * inside one of the holder's `*`. Label selectors are covered only by the same selector or by `*`.
 */
export function grantCovered(requested: string, held: readonly string[]): boolean {
  return held.some((grant) => {
    if (grant === "*" || grant === requested) return true;
    if (requested.startsWith("label:") || grant.startsWith("label:")) return false;
    return grant.includes("*") && globToRegExp(grant).test(requested);
  });
}

/** Whether a requested policy grant asks for nothing beyond what is held. */
export function policyCovered(requested: unknown, held: unknown): boolean {
  if (requested === undefined || requested === false || requested === null) return true;
  if (Array.isArray(requested)) {
    return (
      Array.isArray(held) &&
      requested.every((item) => held.some((h) => JSON.stringify(h) === JSON.stringify(item)))
    );
  }
  if (typeof requested === "object") {
    if (typeof held !== "object" || held === null) return false;
    return Object.entries(requested).every(([key, value]) =>
      policyCovered(value, (held as Record<string, unknown>)[key]),
    );
  }
  return requested === held;
}
