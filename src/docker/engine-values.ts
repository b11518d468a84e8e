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
