/**
 * Every tool result fits a model's context: its JSON is at most RESULT_LIMIT_BYTES, and a result that had to
 * be cut says what was left out and how to get it.
 */
export const RESULT_LIMIT_BYTES = 32 * 1024;

export type Truncation = { omitted: number; of: string; hint: string };

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

/**
 * The longest prefix (or, with `keep: "last"`, suffix) of `items` whose JSON with `rest` stays within `limit`:
 * the items a list result keeps.
 */
export function fitItems<T>(
  items: readonly T[],
  room: number,
  keep: "first" | "last" = "first",
): { kept: T[]; omitted: number } {
  const ordered = keep === "first" ? items : [...items].reverse();
  const kept: T[] = [];
  let used = 2;
  for (const item of ordered) {
    const size = bytes(item) + 1;
    if (used + size > room) break;
    used += size;
    kept.push(item);
  }
  if (keep === "last") kept.reverse();
  return { kept, omitted: items.length - kept.length };
}

/** Cuts the longest strings of a value until its JSON fits, marking each cut: for results that are no list. */
function cutStrings(value: unknown, limit: number): { value: unknown; omitted: number } {
  let omitted = 0;
  let budget = Math.max(256, Math.floor(limit / 8));
  let current = value;
  while (bytes(current) > limit && budget >= 64) {
    const cut = (node: unknown): unknown => {
      if (typeof node === "string" && Buffer.byteLength(node) > budget) {
        const kept = node.slice(0, budget);
        omitted += node.length - kept.length;
        return `${kept}…[cut ${node.length - kept.length} characters]`;
      }
      if (Array.isArray(node)) return node.map(cut);
      if (node && typeof node === "object")
        return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, cut(item)]));
      return node;
    };
    current = cut(current);
    budget = Math.floor(budget / 2);
  }
  return { value: current, omitted };
}

/**
 * A result within the limit: the items of its first list field cut to fit (`keep` says which end matters),
 * else its longest strings cut; with `truncated` saying what went, when anything did.
 */
export function bounded(
  result: Record<string, unknown>,
  hint: string,
  keep: "first" | "last" = "first",
  limit = RESULT_LIMIT_BYTES,
): { value: Record<string, unknown>; truncated?: Truncation } {
  if (bytes(result) <= limit) return { value: result };
  const listKey = Object.keys(result).find((key) => Array.isArray(result[key]));
  if (listKey) {
    const items = result[listKey] as unknown[];
    const room = limit - bytes({ ...result, [listKey]: [] }) - 512;
    const { kept, omitted } = fitItems(items, room, keep);
    const truncated = { omitted, of: `${listKey} (${items.length} in all)`, hint };
    return { value: { ...result, [listKey]: kept, truncated }, truncated };
  }
  const { value, omitted } = cutStrings(result, limit - 512);
  const truncated = { omitted, of: "characters of long text fields", hint };
  return { value: { ...(value as Record<string, unknown>), truncated }, truncated };
}
