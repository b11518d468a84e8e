import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSigningKey } from "../../src/auth/signing-key.js";
import { loadConfig } from "../../src/config.js";

const pem = () =>
  generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();

describe("the signing key from PORTCALL_SIGNING_KEY", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "portcall-signing-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("is taken from the environment as given, and no key file is made", async () => {
    const given = pem();
    const first = await loadSigningKey({ dataDir, pem: given });
    const again = await loadSigningKey({ dataDir, pem: given });

    expect(first.kid).toBe(again.kid);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it("reads a PEM pasted with its line breaks written as \\n", async () => {
    const given = pem();
    const oneLine = given.trimEnd().replaceAll("\n", "\\n");

    expect((await loadSigningKey({ dataDir, pem: oneLine })).kid).toBe(
      (await loadSigningKey({ dataDir, pem: given })).kid,
    );
  });

  it("refuses what is not an Ed25519 private key, naming the variable but not echoing it", async () => {
    await expect(loadSigningKey({ dataDir, pem: "not a key" })).rejects.toThrow(
      "PORTCALL_SIGNING_KEY is not a PEM private key",
    );
  });

  it("is refused at start together with PORTCALL_SIGNING_KEY_FILE: one key, from one place", () => {
    const secret = pem();
    const refusal = (() => {
      try {
        loadConfig({ PORTCALL_SIGNING_KEY: secret, PORTCALL_SIGNING_KEY_FILE: "/etc/portcall/key.pem" });
      } catch (error) {
        return String(error);
      }
      return "";
    })();

    expect(refusal).toContain("PORTCALL_SIGNING_KEY=(not shown): give the signing key once");
    expect(refusal).not.toContain("PRIVATE KEY");
  });
});
