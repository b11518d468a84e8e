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

// A map (labels, env) has many keys; a record of portcall's own has fewer than this, and keeps them all.
const MAP_KEYS = 32;

/**
 * One pass over a value that cuts, below the top level, strings longer than `budget` characters, lists longer
 * than `budget / 8` items and maps of more than MAP_KEYS entries; says how many characters, items and entries
 * went.
 */
function shrink(value: unknown, budget: number): { value: unknown; omitted: number } {
  let omitted = 0;
  const items = Math.max(4, Math.floor(budget / 8));
  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node === "string" && node.length > budget) {
      omitted += node.length - budget;
      return `${node.slice(0, budget)}…[cut ${node.length - budget} characters]`;
    }
    if (Array.isArray(node)) {
      const kept = depth > 0 && node.length > items ? node.slice(0, items) : node;
      omitted += node.length - kept.length;
      return kept.map((item) => walk(item, depth + 1));
    }
    if (node && typeof node === "object") {
      let entries = Object.entries(node);
      if (depth > 0 && entries.length > MAP_KEYS) {
        omitted += entries.length - MAP_KEYS;
        entries = entries.slice(0, MAP_KEYS);
      }
      return Object.fromEntries(entries.map(([key, item]) => [key, walk(item, depth + 1)]));
    }
    return node;
  };
  return { value: walk(value, 0), omitted };
}

// Room kept for the `truncated` note itself.
const NOTE_BYTES = 512;

/**
 * A result within the limit: the items of its first list field cut to fit (`keep` says which end matters),
 * then, while it is still too big, its long strings, nested lists and large maps; with `truncated` saying
 * what went, when anything did.
 */
export function bounded(
  result: Record<string, unknown>,
  hint: string,
  keep: "first" | "last" = "first",
  limit = RESULT_LIMIT_BYTES,
): { value: Record<string, unknown>; truncated?: Truncation } {
  if (bytes(result) <= limit) return { value: result };
  let value = result;
  let omitted = 0;
  const parts: string[] = [];
  const listKey = Object.keys(result).find((key) => Array.isArray(result[key]));
  if (listKey) {
    const items = result[listKey] as unknown[];
    const room = Math.max(0, limit - NOTE_BYTES - bytes({ ...result, [listKey]: [] }));
    const fitted = fitItems(items, room, keep);
    if (fitted.omitted > 0) {
      omitted += fitted.omitted;
      parts.push(`${listKey} (${items.length} in all)`);
    }
    value = { ...result, [listKey]: fitted.kept };
  }
  let shrunk = false;
  for (const budget of [4096, 1024, 256, 64, 16]) {
    if (bytes(value) <= limit - NOTE_BYTES) break;
    const pass = shrink(value, budget);
    value = pass.value as Record<string, unknown>;
    omitted += pass.omitted;
    shrunk ||= pass.omitted > 0;
  }
  if (shrunk) parts.push("characters of long text, items of inner lists and entries of large maps");
  const truncated = { omitted, of: parts.join("; "), hint };
  return { value: { ...value, truncated }, truncated };
}
