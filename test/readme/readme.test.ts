import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithRig, rig, rigDocker } from "../support/rig.js";
import { cliToken, FROM_SOURCE, ROOT } from "../support/server.js";
import { BashSession } from "./bash-session.js";
import { matchesExpected, type Segment, type Step, substitute, walkOf } from "./readme-walk.js";

/**
 * README.md walked top to bottom, as a newcomer does: every ```sh block in order in one bash session, against
 * a fresh server on a fresh data folder, each command's output checked against its `# =>` lines (the
 * convention is in readme-walk.ts). Only what the rig has in place of the reader's machine is replaced.
 */

const steps: Step[] = walkOf(readFileSync(join(ROOT, "README.md"), "utf8"));
const notRun = steps.flatMap((step) => (step.kind === "skip" || step.kind === "stand-in" ? [step] : []));

/** Examples the test cannot run as written: keep this short; every one is named in the README source. */
const MAX_NOT_RUN = 5;
const SEGMENT_TIMEOUT_MS = 90_000;
const README_TOOLS = ["curl", "jq", "tar"];

/**
 * The parts of the checkout that `npm run portcall` needs, linked into a folder of the walk's own: the walk runs
 * there as a reader runs it in the checkout, and what it writes (`context/`, `../portcall-client`) stays out of
 * the repository.
 */
const CHECKOUT_ENTRIES = [
  "package.json",
  "package-lock.json",
  "node_modules",
  "src",
  "dist",
  "tsconfig.json",
  "openapi",
];

/** README literals → what the rig has in their place. Each must still occur in the README. */
function replacements(serverUrl: string): Array<readonly [string, string]> {
  const state = rig();
  const address = new URL(serverUrl).host;
  const hostKey = readFileSync(state.ssh.hostPublicKey, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  return [
    ["http://127.0.0.1:8080", `http://${address}`],
    ["127.0.0.1:8080", address],
    ["busybox:1.36", state.images.busybox],
    ["busybox:1.37", state.images.busybox1],
    ["localhost:5000", state.registry.address],
    ["unix:///var/run/docker.sock", state.daemons.rig2?.dockerHost ?? ""],
    ["unix:///tmp/manager-1.sock", state.daemons[state.swarm?.daemon ?? "rig4"]?.dockerHost ?? ""],
    ["tcp://10.0.0.5:2376", state.tls.url],
    ["~/.docker/ca.pem", state.tls.ca],
    ["~/.docker/cert.pem", state.tls.cert],
    ["~/.docker/key.pem", state.tls.key],
    ["ssh://deploy@10.0.0.7:22", state.ssh.url],
    ["~/.ssh/id_ed25519", state.ssh.privateKey],
    ["$(ssh-keyscan -t ed25519 10.0.0.7 2>/dev/null | cut -d' ' -f2-)", hostKey],
  ];
}

/** What the test does in place of a block it cannot run here, by the name the README's marker gives. */
function standIns(): Record<string, string> {
  const client = join(ROOT, "tools/client-generator/node_modules");
  const modules = join(ROOT, "node_modules");
  return {
    // The server is the test's own, from this tree's source, started before the walk (see beforeAll).
    server: "true",
    // The packages the README installs from the npm registry, linked from this checkout's copies.
    "client-packages": [
      `mkdir ../portcall-client && cd ../portcall-client`,
      `printf '{"name":"portcall-client","private":true,"type":"module"}\\n' > package.json`,
      `mkdir -p node_modules/@types node_modules/.bin`,
      `ln -s ${modules}/openapi-fetch ${modules}/openapi-typescript-helpers node_modules/`,
      `ln -s ${modules}/@types/node node_modules/@types/`,
      `ln -s ${client}/openapi-typescript ${client}/typescript node_modules/`,
      `ln -s ../openapi-typescript/bin/cli.js node_modules/.bin/openapi-typescript`,
      `ln -s ../typescript/bin/tsc node_modules/.bin/tsc`,
    ].join("\n"),
  };
}

function report(segment: Segment, code: string, result: { stdout: string; stderr: string }, why: string) {
  return [
    `README line ${segment.line}: ${why}`,
    `--- ran:\n${code.trimEnd()}`,
    segment.expected ? `--- README shows:\n${segment.expected.join("\n")}` : "",
    `--- printed:\n${result.stdout}`,
    result.stderr.trim() === "" ? "" : `--- stderr:\n${result.stderr.trimEnd()}`,
  ]
    .filter(Boolean)
    .join("\n");
}

const title = (step: Step): string => {
  if (step.kind === "file") return `README line ${step.line}: saves ${step.name}`;
  if (step.kind === "run") {
    const first =
      step.segments[0]?.code.split("\n").find((line) => line.trim() && !line.startsWith("#")) ?? "";
    return `README line ${step.line}: ${first.slice(0, 90)}`;
  }
  return `README line ${step.line} is not run here (${step.kind}): ${step.reason}`;
};

describeWithRig("README.md, walked in order on a fresh server", () => {
  let walkDir: string;
  let dataDir: string;
  let server: ChildProcess;
  let serverUrl: string;
  let bash: BashSession;
  let swaps: Array<readonly [string, string]>;
  let standIn: Record<string, string>;
  const serverLog: string[] = [];

  beforeAll(async () => {
    // What the README asks of the reader's machine beside Node.js: without it every example fails, so say so once.
    const lacking = README_TOOLS.filter(
      (tool) => spawnSync("bash", ["-c", `command -v ${tool}`]).status !== 0,
    );
    if (lacking.length > 0)
      throw new Error(
        `the README's examples need ${lacking.join(", ")} (apt-get install ${lacking.join(" ")})`,
      );
    walkDir = await mkdtemp(join(tmpdir(), "portcall-readme-"));
    dataDir = join(walkDir, "data");
    const checkout = join(walkDir, "portcall");
    await mkdir(join(walkDir, "scratch"), { recursive: true });
    await mkdir(checkout);
    await Promise.all(CHECKOUT_ENTRIES.map((entry) => symlink(join(ROOT, entry), join(checkout, entry))));
    // The README's `npm start`: the server on a fresh data folder, with the rig's rig1 as the local daemon.
    server = spawn(process.execPath, FROM_SOURCE, {
      cwd: ROOT,
      env: {
        ...process.env,
        PORTCALL_PORT: "0",
        PORTCALL_DATA_DIR: dataDir,
        DOCKER_HOST: rig().daemons.rig1?.dockerHost ?? "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stderr?.on("data", (chunk) => serverLog.push(String(chunk)));
    serverUrl = await new Promise<string>((resolve, reject) => {
      server.once("exit", (code) => reject(new Error(`server exited with ${code}: ${serverLog.join("")}`)));
      createInterface({ input: server.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        serverLog.push(line);
        const url = /"message":"listening".*"url":"([^"]+)"/.exec(line)?.[1];
        if (url) resolve(url);
      });
    });
    swaps = replacements(serverUrl);
    standIn = standIns();
    bash = new BashSession(
      checkout,
      {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/root",
        LANG: "C.UTF-8",
        PORTCALL_DATA_DIR: dataDir,
        npm_config_update_notifier: "false",
        npm_config_fund: "false",
      },
      join(walkDir, "scratch"),
    );
  });

  afterAll(async () => {
    bash?.close();
    // Whatever a walk that failed half-way left on the rig: its runs' containers and its named container.
    const token = await cliToken(
      { PORTCALL_DATA_DIR: dataDir },
      "--name",
      "readme-cleanup",
      "--scope",
      "admin",
    ).catch(() => "");
    const runs = await fetch(`${serverUrl}/v1/runs?limit=100`, {
      headers: { Authorization: `Bearer ${token}` },
    })
      .then((response) => response.json() as Promise<{ items?: Array<{ id: string }> }>)
      .catch(() => ({ items: [] }));
    const ids = new Set((runs.items ?? []).map((run) => run.id));
    for (const name of ["rig1", "rig2"]) {
      const docker = rigDocker(name);
      const containers = await docker.listContainers({ all: true });
      const ours = containers.filter(
        (c) => c.Names.includes("/web-1") || ids.has(c.Labels["portcall.run"] ?? ""),
      );
      await Promise.all(
        ours.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => undefined),
        ),
      );
    }
    server?.kill("SIGKILL");
    await rm(walkDir, { recursive: true, force: true });
  });

  it("sets up with exactly the two documented commands", () => {
    const setUp = notRun.find((step) => step.kind === "stand-in" && step.name === "server");
    expect(setUp?.code.trim()).toBe("npm ci && npm start");
  });

  it(`runs every shell example but a few marked ones (at most ${MAX_NOT_RUN})`, () => {
    console.info(
      `README blocks not run as written:\n${notRun.map((step) => `  line ${step.line}: ${step.reason}`).join("\n")}`,
    );
    expect(notRun.length).toBeLessThanOrEqual(MAX_NOT_RUN);
    expect(steps.filter((step) => step.kind === "run").length).toBeGreaterThan(10);
  });

  it("replaces only README literals that are still there", () => {
    const text = steps
      .map((step) => ("segments" in step ? step.segments.map((s) => s.code).join("") : ""))
      .join("");
    const files = steps.map((step) => (step.kind === "file" ? step.content : "")).join("");
    for (const [literal] of swaps) expect(text + files, literal).toContain(literal);
  });

  for (const step of steps) {
    it(
      title(step),
      async () => {
        if (step.kind === "skip") return;
        if (step.kind === "file") {
          const content = substitute(step.content, swaps);
          const result = await bash.run(
            `cat > ${step.name} <<'__README_FILE__'\n${content}\n__README_FILE__`,
            5000,
          );
          expect(result.failure, result.stderr).toBeNull();
          return;
        }
        if (step.kind === "stand-in") {
          const code = standIn[step.name];
          if (code === undefined)
            throw new Error(`README line ${step.line}: no stand-in named "${step.name}"`);
          const result = await bash.run(code, SEGMENT_TIMEOUT_MS);
          expect(result.failure, result.stderr).toBeNull();
          return;
        }
        const failures: string[] = [];
        for (const segment of step.segments) {
          const code = substitute(segment.code, swaps);
          const result = await bash.run(code, SEGMENT_TIMEOUT_MS);
          if (result.failure) failures.push(report(segment, code, result, result.failure));
          const expected = segment.expected?.map((line) => substitute(line, swaps));
          if (expected && !matchesExpected(result.stdout, expected)) {
            failures.push(report({ ...segment, expected }, code, result, "printed something else"));
          }
        }
        if (failures.length > 0) throw new Error(failures.join("\n\n"));
      },
      SEGMENT_TIMEOUT_MS * 2,
    );
  }

  it("leaves the server it walked against running and its log free of errors", async () => {
    expect(server.exitCode).toBeNull();
    const errors = serverLog.filter((line) => /"level":"(error|fatal)"/.test(line));
    expect(errors).toEqual([]);
    expect(await readFile(join(dataDir, "portcall.db")).then((b) => b.length > 0)).toBe(true);
  });
});
