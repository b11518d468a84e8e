/** Docker's `KEY=value` environment list as a map; an entry without `=` is a name with an empty value. */
export function envToMap(env: string[] | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of env ?? []) {
    const eq = entry.indexOf("=");
    if (eq === -1) result[entry] = "";
    else result[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return result;
}

/** Docker's Cmd/Entrypoint, which may be null, a string or a list, as a list. */
export function toArgv(value: string | string[] | null | undefined): string[] {
  if (value == null) return [];
  return Array.isArray(value) ? value : [value];
}

/** `registry:5000/team/app:1.2` → `registry:5000/team/app` and `1.2`; a digest or no tag means `latest`. */
export function splitReference(ref: string): { repository: string; tag: string } {
  const withoutDigest = ref.split("@")[0] ?? ref;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  return colon > slash
    ? { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) }
    : { repository: withoutDigest, tag: "latest" };
}
