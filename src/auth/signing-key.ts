import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { calculateJwkThumbprint, type JWK } from "jose";
import { readOrCreateKeyFile } from "../secrets/key-file.js";
import { SecretKeyError } from "../secrets/secret-key-error.js";

/** The signing key's file in the data folder, when no PORTCALL_SIGNING_KEY(_FILE) names another. */
export const SIGNING_KEY_FILE = "signing-key.pem";

/** portcall's token signing key: Ed25519, so tokens are small and verification is fast. */
export type SigningKey = {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public half as served at /.well-known/jwks.json. */
  publicJwk: JWK;
};

async function fromPem(pem: string, origin: string): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new SecretKeyError(`${origin} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new SecretKeyError(`${origin} must be an Ed25519 key (openssl genpkey -algorithm ed25519)`);
  }
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: "EdDSA", use: "sig" } };
}

function newKeyPem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

/** A fresh key that lives in memory only (tests, throwaway servers). */
export function generateSigningKey(): Promise<SigningKey> {
  return fromPem(newKeyPem(), "a generated key");
}

/**
 * The PEM of PORTCALL_SIGNING_KEY. A PEM pasted into a one-line field (a function's environment, a secret store)
 * often comes with its line breaks written as `\n`: those are read as line breaks.
 */
function pemFromEnvironment(value: string): string {
  return value.includes("\n") ? value : value.replaceAll("\\n", "\n");
}

/**
 * PORTCALL_SIGNING_KEY (the PEM itself) or PORTCALL_SIGNING_KEY_FILE when given, else `signing-key.pem` in the
 * data folder, created on first start.
 */
export async function loadSigningKey(options: {
  dataDir: string;
  keyFile?: string | undefined;
  pem?: string | undefined;
}): Promise<SigningKey> {
  if (options.pem) return fromPem(pemFromEnvironment(options.pem), "PORTCALL_SIGNING_KEY");
  if (options.keyFile) return fromPem(await readFile(options.keyFile, "utf8"), options.keyFile);
  const path = join(options.dataDir, SIGNING_KEY_FILE);
  const pem = await readOrCreateKeyFile(path, newKeyPem);
  return fromPem(pem, path);
}
