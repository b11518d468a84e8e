import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/server.js";

const run = promisify(execFile);

describe("openapi/portcall-api.d.ts", () => {
  it("is what openapi-typescript makes of openapi/openapi.json (run `npm run openapi` after changing a route)", async () => {
    // A process of its own: the generator needs the TypeScript 5 of its workspace, not this project's 7.
    const { stdout } = await run(process.execPath, ["tools/client-generator/generate.mjs", "--stdout"], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(await readFile(resolve(ROOT, "openapi/portcall-api.d.ts"), "utf8")).toBe(stdout);
  });
});
