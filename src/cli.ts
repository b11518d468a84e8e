#!/usr/bin/env node
// The `portcall` command: the server, and the operator's tools that work on the data folder directly, so the
// first admin token can be made before any token exists. They use the same services as the API.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { createApp } from "./app.js";
import { parseDuration } from "./auth/duration.js";
import { isScope, type Scope } from "./auth/scopes.js";
import { loadConfig } from "./config.js";
import { checkDataFolder, DataFolderError } from "./data-folder.js";
import type { Services } from "./env.js";
import { ApiError } from "./errors/api-error.js";
import { toHostResponse } from "./hosts/host-presenter.js";
import { createLogger } from "./logging/logger.js";
import { buildOpenApiDocument } from "./openapi/document.js";
import { HostCreateSchema } from "./schemas/host.js";
import { runServer } from "./server.js";
import { createServices } from "./services.js";
import { exitWithError } from "./startup-errors.js";

const words = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(/[\s,]+/).filter(Boolean),
];

function scopes(value: string, previous: Scope[] = []): Scope[] {
  const list = words(value);
  const unknown = list.filter((scope) => !isScope(scope));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown scope ${unknown.join(", ")}`);
  return [...previous, ...(list as Scope[])];
}

function ttl(value: string): number {
  const seconds = parseDuration(value);
  if (!seconds) throw new InvalidArgumentError("must be a duration like 30d, 12h, 15m or 3600");
  return seconds;
}

function label(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq < 1) throw new InvalidArgumentError("must be key=value");
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Opens the data folder's services for one command, and always closes them. */
async function withServices(work: (services: Services) => Promise<void>): Promise<void> {
  const config = loadConfig();
  // On stderr, so `TOKEN=$(portcall token create …)` still captures the token alone.
  const store = config.databaseUrl === undefined ? "" : ", store at PORTCALL_DATABASE_URL";
  process.stderr.write(`portcall: data folder ${config.dataDir}${store}\n`);
  await checkDataFolder(config, program.opts().init === true);
  // Logs go to stderr: stdout carries only what the command prints (a token, JSON).
  const level = config.logLevel === "info" ? "warn" : config.logLevel;
  const services = await createServices(
    config,
    createLogger(level, (line) => process.stderr.write(line)),
    { tokenChanges: false },
  );
  try {
    await work(services);
  } finally {
    await services.close();
  }
}

const program = new Command()
  .name("portcall")
  .description("One authenticated, typed HTTP API in front of the Docker Engine of every registered host.")
  .option(
    "--init",
    "let a command start a new data folder (signing key, store) where none is; without it, it refuses",
  )
  .showHelpAfterError();

program
  .command("serve")
  .description("serve the API (settings from PORTCALL_* environment variables)")
  .action(() => runServer(loadConfig()));

program
  .command("openapi")
  .description("print the OpenAPI 3.1 document")
  .action(() => print(buildOpenApiDocument(createApp({} as Services))));

const token = program.command("token").description("make, list and revoke bearer tokens");

token
  .command("create")
  .description("mint a token and print it once (it is not kept)")
  .requiredOption("--name <name>", "what the token is for")
  .requiredOption(
    "--scope <scopes>",
    "scopes, space- or comma-separated, or repeated (admin implies all)",
    scopes,
  )
  .option("--hosts <grants>", "host ids, globs (build-*), label:key=value, or *", words)
  .option("--ttl <duration>", "lifetime: 30d, 12h, 15m or seconds", ttl, ttl("30d"))
  .option("--subject <subject>", "who the token acts for (shown in the audit log)")
  .option("--policy <json>", "policy grants, as JSON")
  .option("--json", "print the token with its metadata as JSON")
  .action((options) =>
    withServices(async (services) => {
      const { token: value, metadata } = await services.tokens.mint("cli", {
        name: options.name,
        scopes: options.scope,
        hosts: options.hosts ?? ["*"],
        ttlSeconds: options.ttl,
        subject: options.subject,
        policy: options.policy ? JSON.parse(options.policy) : undefined,
      });
      if (options.json) print({ ...metadata, token: value });
      else process.stdout.write(`${value}\n`);
    }),
  );

token
  .command("list")
  .description("list tokens (metadata only)")
  .action(() => withServices(async (services) => print(await services.tokens.list())));

token
  .command("revoke <id>")
  .description("revoke a token: it is refused from the next request on")
  .action((id: string) => withServices(async (services) => print(await services.tokens.revoke(id))));

const hosts = program.command("hosts").description("register, list and remove Docker hosts");

hosts
  .command("add <id> <url>")
  .description(
    "register a host: unix:///path, tcp://host:port (with --tls-*) or ssh://user@host:port (with --ssh-*)",
  )
  .option("--name <name>", "display name")
  .option("--label <key=value>", "a label (repeat for several)", label)
  .option("--tls-ca <file>", "CA certificate (PEM) of the daemon")
  .option("--tls-cert <file>", "client certificate (PEM)")
  .option("--tls-key <file>", "client private key (PEM)")
  .option("--ssh-key <file>", "SSH private key")
  .option("--ssh-host-key <key>", "the server's public host key (ssh-ed25519 AAAA…)")
  .option("--ssh-host-key-fingerprint <fingerprint>", "or its SHA256:… fingerprint")
  .option("--insecure", "plain TCP without TLS (loopback addresses only)")
  .action((id: string, url: string, options) =>
    withServices(async (services) => {
      const file = (path: string) => readFileSync(path, "utf8");
      const input = HostCreateSchema.parse({
        id,
        url,
        name: options.name,
        labels: options.label,
        insecure: options.insecure,
        tls: options.tlsCa
          ? { ca: file(options.tlsCa), cert: file(options.tlsCert), key: file(options.tlsKey) }
          : undefined,
        ssh: options.sshKey
          ? {
              privateKey: file(options.sshKey),
              hostKey: options.sshHostKey,
              hostKeyFingerprint: options.sshHostKeyFingerprint,
            }
          : undefined,
      });
      const record = await services.hosts.create(input);
      print(toHostResponse(record, await services.hosts.health(record.id)));
    }),
  );

hosts
  .command("list")
  .description("list registered hosts")
  .action(() =>
    withServices(async (services) => {
      print(
        services.hosts.list().map((record) => ({
          id: record.id,
          url: record.url,
          labels: record.labels,
          source: record.source,
        })),
      );
    }),
  );

hosts
  .command("rm <id>")
  .description("unregister a host")
  .action((id: string) => withServices((services) => services.hosts.remove(id)));

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof DataFolderError) {
    process.stderr.write(`portcall: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof ApiError) {
    const fields = error.errors?.map((field) => `\n  ${field.path}: ${field.message}`).join("") ?? "";
    process.stderr.write(`portcall: ${error.message}${fields}\n`);
    process.exit(1);
  }
  exitWithError(error, "run");
}
