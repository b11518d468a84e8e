import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SecretBox, SecretKeyError } from "../../src/secrets/secret-box.js";

describe("secrets at rest", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcall-secrets-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("seals a value into a JWE that does not contain it, and opens it again", async () => {
    const box = await SecretBox.load({ dataDir: dir });
    const sealed = await box.seal({ sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc" });
    expect(sealed.split(".")).toHaveLength(5);
    expect(sealed).not.toContain("PRIVATE KEY");
    expect(await box.unseal(sealed)).toEqual({ sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc" });
  });

  it("creates the key file on first start, readable by its owner only, and reuses it", async () => {
    const sealed = await (await SecretBox.load({ dataDir: dir })).seal("x");
    expect((await stat(join(dir, "secret.key"))).mode & 0o777).toBe(0o600);
    expect(await (await SecretBox.load({ dataDir: dir })).unseal(sealed)).toBe("x");
  });

  it("refuses a key file others can read", async () => {
    await SecretBox.load({ dataDir: dir });
    await chmod(join(dir, "secret.key"), 0o644);
    await expect(SecretBox.load({ dataDir: dir })).rejects.toThrow(/readable by its owner only/);
  });

  it("takes PORTCALL_SECRET_KEY instead of a file, and refuses one of the wrong size", async () => {
    const key = randomBytes(32).toString("base64url");
    const sealed = await (await SecretBox.load({ dataDir: dir, secretKey: key })).seal("y");
    expect(await (await SecretBox.load({ dataDir: dir, secretKey: key })).unseal(sealed)).toBe("y");
    await expect(readFile(join(dir, "secret.key"))).rejects.toThrow();
    await expect(SecretBox.load({ dataDir: dir, secretKey: "c2hvcnQ" })).rejects.toThrow(SecretKeyError);
  });

  it("cannot open a value sealed with another key", async () => {
    const sealed = await SecretBox.fromKey(randomBytes(32)).seal("z");
    await expect(SecretBox.fromKey(randomBytes(32)).unseal(sealed)).rejects.toThrow();
  });
});
