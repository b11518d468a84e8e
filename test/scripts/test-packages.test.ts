import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prerequisitesMessage } from "../support/prerequisites.js";
import { ROOT } from "../support/server.js";

const run = promisify(execFile);

describe("what npm test needs on the machine", () => {
  let bin: string;
  const packages = (path: string, command: string) =>
    run("bash", [join(ROOT, "scripts/test-packages.sh"), command], { env: { ...process.env, PATH: path } });

  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), "portcall-test-packages-"));
    // A dpkg that knows every package but two.
    await writeFile(
      join(bin, "dpkg-query"),
      '#!/bin/sh\nfor last; do :; done\ncase $last in chromium|docker.io) exit 1 ;; *) printf "install ok installed" ;; esac\n',
    );
    await chmod(join(bin, "dpkg-query"), 0o755);
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));

  it("lists the packages a machine lacks, from the rig's list plus chromium and postgresql", async () => {
    const { stdout: all } = await packages(process.env.PATH ?? "", "list");
    expect(all.trim().split(" ")).toEqual(expect.arrayContaining(["docker.io", "chromium", "postgresql"]));
    const { stdout } = await packages(`${bin}:${process.env.PATH}`, "missing");
    expect(stdout.trim()).toBe("docker.io chromium");
  });

  it("says it cannot tell on a machine without dpkg", async () => {
    const bare = await mkdtemp(join(tmpdir(), "portcall-no-dpkg-"));
    for (const tool of ["bash", "dirname"]) await symlink(`/usr/bin/${tool}`, join(bare, tool));
    await expect(packages(bare, "missing")).rejects.toMatchObject({ code: 3 });
    await rm(bare, { recursive: true, force: true });
  });

  it("ends an opted-out run (PORTCALL_SKIP_INTEGRATION=1) saying how many tests it skipped", async () => {
    const vitest = join(ROOT, "node_modules/vitest/vitest.mjs");
    const { stdout, stderr } = await run(process.execPath, [vitest, "run", "test/services.test.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORTCALL_SKIP_INTEGRATION: "1", CI: "" },
    });
    expect(`${stdout}${stderr}`).toMatch(/PORTCALL_SKIP_INTEGRATION=1: [1-9]\d* tests? skipped/);
  });

  it("fails a run at once naming what is missing, the command that installs it, and the opt-out", () => {
    const message = prerequisitesMessage({ root: false, missing: ["docker.io", "chromium"] }) ?? "";
    expect(message).toContain("root: the rig creates network bridges");
    expect(message).toContain(
      "the Debian packages docker.io chromium: install them with `sudo bash scripts/test-packages.sh install`",
    );
    expect(message).toContain("PORTCALL_SKIP_INTEGRATION=1 npm test (it says how many it skipped)");
    expect(prerequisitesMessage({ root: true, missing: [] })).toBeUndefined();
    // No dpkg: the rig itself names what it lacks when it starts.
    expect(prerequisitesMessage({ root: true, missing: undefined })).toBeUndefined();
  });
});
