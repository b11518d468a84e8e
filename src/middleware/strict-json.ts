/**
 * The first object key that appears twice in the same object, compared after unescaping (`"\u0050rivileged"`
 * is `"Privileged"`); undefined when there is none or the text is not JSON (the JSON parser reports that).
 * JSON.parse silently keeps the last duplicate, so what a validator saw and what an audit shows could differ.
 */
export function duplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const keys = objects.at(-1);
      if (keys && expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return undefined;
        }
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (char === "{") {
      objects.push(new Set());
      expectKey = true;
    } else if (char === "[") {
      objects.push(null);
    } else if (char === "}" || char === "]") {
      objects.pop();
      expectKey = false;
    } else if (char === ",") {
      expectKey = objects.at(-1) instanceof Set;
    }
  }
  return undefined;
}
