import { execFile } from "node:child_process";
import { chmod, chown, copyFile, cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./server.js";

const run = promisify(execFile);

type Docker = (...args: string[]) => Promise<string>;

/** The docker CLI against one daemon, with the classic builder: the rig's docker.io has no buildx. */
export function dockerOn(dockerHost: string, rigDir: string): Docker {
  return async (...args: string[]): Promise<string> => {
    try {
      const { stdout } = await run("docker", ["-H", dockerHost, ...args], {
        env: { ...process.env, DOCKER_CONFIG: `${rigDir}/docker-cli`, DOCKER_BUILDKIT: "0" },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout.trim();
    } catch (error) {
      const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
      const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-40).join("\n");
      throw new Error(`docker ${args.slice(0, 2).join(" ")} failed:\n${tail}`);
    }
  };
}

/** The two base images the Dockerfile's build arguments name, made here instead of pulled. */
export type NodeStandIns = { runImage: string; buildImage: string };

/**
 * Writes the build contexts of two stand-ins for `node:20-bookworm-slim`, from this machine's own Node:
 * - `base/`: FROM scratch with the node binary where the official image has it (/usr/local/bin), the
 *   libraries `ldd` names, busybox for the shell the RUN steps use, and the `node` user (uid 1000).
 * - `build/`: that plus npm (a JS program beside the node install) and this machine's npm cache, filled by its
 *   own `npm ci`. `npm ci` in the image runs unchanged; `npm_config_offline` makes it read the cache instead of
 *   the registry it cannot reach here. better-sqlite3's prebuilt addon, which the real build downloads from
 *   its GitHub releases, is the one compiled on this machine, offered where prebuild-install looks first.
 */
export async function writeNodeStandIns(dir: string, runImage: string, label: string): Promise<void> {
  const rootfs = join(dir, "base", "rootfs");
  const node = process.execPath;
  await mkdir(join(rootfs, "usr", "local", "bin"), { recursive: true });
  await copyFile(node, join(rootfs, "usr", "local", "bin", "node"));
  await chmod(join(rootfs, "usr", "local", "bin", "node"), 0o755);
  const { stdout: libraries } = await run("ldd", [node]);
  for (const library of libraries.match(/\/\S+/g) ?? []) {
    await mkdir(join(rootfs, dirname(library)), { recursive: true });
    // copyFile follows symlinks (libstdc++.so.6 → libstdc++.so.6.0.30): the image gets the file itself
    await copyFile(library, join(rootfs, library));
  }

  const { stdout: busybox } = await run("sh", ["-c", "command -v busybox"]);
  await mkdir(join(rootfs, "bin"), { recursive: true });
  await mkdir(join(rootfs, "usr", "bin"), { recursive: true });
  await copyFile(busybox.trim(), join(rootfs, "bin", "busybox"));
  await chmod(join(rootfs, "bin", "busybox"), 0o755);
  const { stdout: applets } = await run(busybox.trim(), ["--list"]);
  for (const applet of applets.split("\n").filter((name) => name && name !== "busybox")) {
    await symlink("/bin/busybox", join(rootfs, "bin", applet));
  }
  // npm's scripts start with #!/usr/bin/env node
  await symlink("/bin/busybox", join(rootfs, "usr", "bin", "env"));

  await mkdir(join(rootfs, "etc"));
  await writeFile(
    join(rootfs, "etc", "passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n",
  );
  await writeFile(join(rootfs, "etc", "group"), "root:x:0:\nnode:x:1000:\n");
  await mkdir(join(rootfs, "tmp"));
  await chmod(join(rootfs, "tmp"), 0o1777);
  await mkdir(join(rootfs, "root"));
  await mkdir(join(rootfs, "home", "node"), { recursive: true });
  await chown(join(rootfs, "home", "node"), 1000, 1000);
  // Every image built on it inherits the label, each build stage's and each step's: one filter finds them all.
  await writeFile(
    join(dir, "base", "Dockerfile"),
    `FROM scratch\nCOPY rootfs/ /\nLABEL ${label}\nCMD ["node"]\n`,
  );

  const build = join(dir, "build");
  // npm's own folder, wherever this machine's install keeps it (the command is a link to bin/npm-cli.js)
  const { stdout: npmCli } = await run("sh", ["-c", 'realpath "$(command -v npm)"']);
  await cp(dirname(dirname(npmCli.trim())), join(build, "npm"), { recursive: true });
  const { stdout: cache } = await run("npm", ["config", "get", "cache"]);
  await cp(join(cache.trim(), "_cacache"), join(build, "npm-cache", "_cacache"), { recursive: true });
  const sqlite = join(ROOT, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(await readFile(join(sqlite, "package.json"), "utf8")) as { version: string };
  const prebuild = `better-sqlite3-v${version}-node-v${process.versions.modules}-linux-${process.arch}.tar.gz`;
  await mkdir(join(build, "prebuilds"));
  await run("tar", [
    "-C",
    sqlite,
    "-czf",
    join(build, "prebuilds", prebuild),
    "build/Release/better_sqlite3.node",
  ]);
  await writeFile(
    join(build, "Dockerfile"),
    [
      `FROM ${runImage}`,
      "COPY npm/ /usr/local/lib/node_modules/npm/",
      "COPY npm-cache/ /root/.npm/",
      "COPY prebuilds/ /opt/prebuilds/",
      "RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm",
      "ENV npm_config_offline=true npm_config_better_sqlite3_local_prebuilds=/opt/prebuilds",
      "",
    ].join("\n"),
  );
}

/** Builds the stand-ins on a daemon, tagged `${tag}-run` and `${tag}-build` and labelled `label` (key=value). */
export async function buildNodeStandIns(
  docker: Docker,
  dir: string,
  tag: string,
  label: string,
): Promise<NodeStandIns> {
  const runImage = `${tag}-run`;
  const buildImage = `${tag}-build`;
  await writeNodeStandIns(dir, runImage, label);
  await docker("build", "--quiet", "--force-rm", "--tag", runImage, join(dir, "base"));
  await docker("build", "--quiet", "--force-rm", "--tag", buildImage, join(dir, "build"));
  return { runImage, buildImage };
}

/** Removes the stand-ins and every image built on them (tagged or not): all carry the stand-ins' label. */
export async function removeImagesLabelled(docker: Docker, label: string): Promise<void> {
  await docker("image", "prune", "--all", "--force", "--filter", `label=${label}`);
}
