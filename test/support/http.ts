// biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape of JSON they did not type
export type Json = any;

/** `Response.json()` is `unknown` in Node's types; tests read bodies through this one cast. */
export async function readJson(res: Response): Promise<Json> {
  return res.json();
}
