import { createHash, randomBytes } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CompactEncrypt, compactDecrypt } from "jose";

const KEY_BYTES = 32;
const KEY_FILE = "secret.key";

export class SecretKeyError extends Error {
  override readonly name = "SecretKeyError";
}

function decodeKey(text: string, origin: string): Uint8Array {
  const key = Buffer.from(text.trim(), "base64url");
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `${origin} must be ${KEY_BYTES} random bytes in base64url (got ${key.length} bytes)`,
    );
  }
  return key;
}

async function keyFromFile(dataDir: string): Promise<Uint8Array> {
  const path = join(dataDir, KEY_FILE);
  try {
    // `wx` fails if the file exists, so two processes starting at once never overwrite each other's key.
    await writeFile(path, `${randomBytes(KEY_BYTES).toString("base64url")}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    throw new SecretKeyError(`${path} must be readable by its owner only (chmod 600 ${path})`);
  }
  return decodeKey(await readFile(path, "utf8"), path);
}

/**
 * Encrypts secrets at rest (TLS keys, SSH keys, registry passwords) as JWE: `dir` + A256GCM, one key.
 * The key id names the key, so a later rotation can tell which key sealed a value.
 */
export class SecretBox {
  private constructor(
    private readonly key: Uint8Array,
    private readonly kid: string,
  ) {}

  /** Takes PORTCALL_SECRET_KEY when given, else the data folder's key file, created (0600) on first start. */
  static async load(options: { dataDir: string; secretKey?: string | undefined }): Promise<SecretBox> {
    const key = options.secretKey
      ? decodeKey(options.secretKey, "PORTCALL_SECRET_KEY")
      : await keyFromFile(options.dataDir);
    return SecretBox.fromKey(key);
  }

  static fromKey(key: Uint8Array): SecretBox {
    const kid = createHash("sha256").update(key).digest("base64url").slice(0, 12);
    return new SecretBox(key, kid);
  }

  async seal(value: unknown): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(value)))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: this.kid })
      .encrypt(this.key);
  }

  async unseal<T>(jwe: string): Promise<T> {
    const { plaintext } = await compactDecrypt(jwe, this.key, {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    return JSON.parse(new TextDecoder().decode(plaintext)) as T;
  }
}
