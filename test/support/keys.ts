import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** A fresh ed25519 key pair from ssh-keygen, as a person would make one: private key and `ssh-ed25519 …` line. */
export async function sshKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  const dir = await mkdtemp(join(tmpdir(), "portcall-key-"));
  try {
    await promisify(execFile)("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id")]);
    return {
      privateKey: await readFile(join(dir, "id"), "utf8"),
      publicKey: (await readFile(join(dir, "id.pub"), "utf8")).trim(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
