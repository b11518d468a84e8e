const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90d`, `12h`, `30m`, `45s` or plain seconds, as whole seconds; undefined when it is none of those. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNITS[match[2] || "s"] ?? 1);
  return seconds > 0 ? seconds : undefined;
}
