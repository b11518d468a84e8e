import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { CompactEncrypt, compactDecrypt } from "jose";
import { readOrCreateKeyFile } from "./key-file.js";
import { SecretKeyError } from "./secret-key-error.js";

const KEY_BYTES = 32;
const KEY_FILE = "secret.key";

export { SecretKeyError };

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
  const text = await readOrCreateKeyFile(path, () => `${randomBytes(KEY_BYTES).toString("base64url")}\n`);
  return decodeKey(text, path);
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
