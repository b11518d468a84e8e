import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

declare module "vitest" {
  export interface ProvidedContext {
    /** The test cluster's URL, null when integration tests are skipped. */
    postgres: string | null;
  }
}

const run = promisify(execFile);

const PACKAGE_HINT =
  "The store tests run against a real PostgreSQL: install the Debian package `postgresql` " +
  "(bash .ci/run installs it), or point PORTCALL_PG_BIN at a folder holding initdb and pg_ctl.";

/** A throwaway PostgreSQL cluster of one test run, on loopback only. */
export type PostgresCluster = {
  /** Of the cluster's `postgres` database, as its superuser `portcall`: tests make their own databases. */
  url: string;
  stop(): Promise<void>;
};

const CLUSTER_PREFIX = "portcall-pg-";
const CLUSTERS_DIR = "/tmp";

function binaries(): string {
  const explicit = process.env.PORTCALL_PG_BIN;
  if (explicit) {
    if (existsSync(join(explicit, "initdb"))) return explicit;
    throw new Error(`PORTCALL_PG_BIN=${explicit} holds no initdb. ${PACKAGE_HINT}`);
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((version) => existsSync(join(root, version, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined)
    throw new Error(`PostgreSQL is not installed (no ${root}/*/bin/initdb). ${PACKAGE_HINT}`);
  return join(root, newest, "bin");
}

// initdb and postgres refuse to run as root, which the rig needs: as root they run as the package's user.
const asRoot = process.getuid?.() === 0;

async function clusterCommand(bin: string, name: string, args: string[]): Promise<void> {
  const tool = join(bin, name);
  const [command = tool, ...argv] = asRoot
    ? ["runuser", "-u", "postgres", "--", tool, ...args]
    : [tool, ...args];
  try {
    await run(command, argv);
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${name} ${args.join(" ")} failed:\n${`${stdout}\n${stderr}`.trim()}`);
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Clusters left by runs that were killed before their teardown: stopped and removed. */
async function sweepAbandoned(bin: string): Promise<void> {
  for (const name of readdirSync(CLUSTERS_DIR).filter((entry) => entry.startsWith(CLUSTER_PREFIX))) {
    const dir = join(CLUSTERS_DIR, name);
    // Only a folder naming its run, and that run gone: anything else may be another run's, still starting.
    const owner = Number(await readFile(join(dir, "owner"), "utf8").catch(() => "0"));
    if (!(owner > 0) || isAlive(owner)) continue;
    await clusterCommand(bin, "pg_ctl", ["stop", "-D", join(dir, "data"), "-m", "immediate"]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

async function startOn(bin: string, dir: string, port: number): Promise<void> {
  const options = [
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-k ${join(dir, "socket")}`,
    // Nothing here needs to outlive the run: skip what makes writes durable.
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
    "-c max_connections=300",
  ].join(" ");
  const log = join(dir, "server.log");
  await clusterCommand(bin, "pg_ctl", [
    "start",
    "-D",
    join(dir, "data"),
    "-w",
    "-t",
    "60",
    "-l",
    log,
    "-o",
    options,
  ]);
}

/**
 * Makes a cluster in its own folder under /tmp and starts it on a free loopback port, with a password (so the
 * URL carries one, as a real deployment's does) and an ICU collation (so a store that relied on the
 * database's collation to sort like SQLite would be caught).
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = binaries();
  await sweepAbandoned(bin);
  const dir = await mkdtemp(join(CLUSTERS_DIR, CLUSTER_PREFIX));
  await writeFile(join(dir, "owner"), String(process.pid));
  const password = randomBytes(16).toString("hex");
  await writeFile(join(dir, "password"), `${password}\n`, { mode: 0o600 });
  await mkdir(join(dir, "socket"), { mode: 0o700 });
  if (asRoot) await run("chown", ["-R", "postgres:", dir]);
  const stop = async () => {
    await clusterCommand(bin, "pg_ctl", ["stop", "-D", join(dir, "data"), "-m", "fast", "-w"]).catch(
      () => {},
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await clusterCommand(bin, "initdb", [
      ...["-D", join(dir, "data"), "-U", "portcall", `--pwfile=${join(dir, "password")}`],
      ...["-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
      ...["--locale-provider=icu", "--icu-locale=en-US"],
    ]);
    // Another process may take the free port before the server binds it: then try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await startOn(bin, dir, port);
        return { url: `postgres://portcall:${password}@127.0.0.1:${port}/postgres`, stop };
      } catch (error) {
        if (attempt === 3) {
          const log = await readFile(join(dir, "server.log"), "utf8").catch(() => "");
          throw new Error(`${(error as Error).message}\n${log.split("\n").slice(-20).join("\n")}`);
        }
      }
    }
  } catch (error) {
    await stop();
    throw new Error(
      `The test PostgreSQL cluster could not start. ${PACKAGE_HINT}\n${(error as Error).message}`,
    );
  }
}
