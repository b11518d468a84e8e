/** Every scope a token can carry. `admin` implies all the others. */
export const SCOPES = [
  "admin",
  "hosts:read",
  "hosts:write",
  "hosts:label",
  "containers:read",
  "containers:write",
  "containers:exec",
  "images:read",
  "images:write",
  "images:build",
  "services:read",
  "services:write",
  "runs:create",
  "runs:read",
  "events:read",
  "tokens:write",
  "audit:read",
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
