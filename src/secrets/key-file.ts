import { readFile, stat, writeFile } from "node:fs/promises";
import { SecretKeyError } from "./secret-key-error.js";

/**
 * Reads a key file, creating it with `create()` (mode 0600) the first time. Refuses a file that others can
 * read, as ssh does: a key anyone on the machine can read protects nothing.
 */
export async function readOrCreateKeyFile(path: string, create: () => string): Promise<string> {
  try {
    // `wx` fails if the file exists, so two processes starting at once never overwrite each other's key.
    await writeFile(path, create(), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    throw new SecretKeyError(`${path} must be readable by its owner only (chmod 600 ${path})`);
  }
  return readFile(path, "utf8");
}
