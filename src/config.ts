import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";
import { parseDuration } from "./auth/duration.js";
import { type HostAllowList, parseHostAllowList } from "./hosts/connection-policy.js";
import type { ConcurrencyLimits } from "./limits/concurrency-limiter.js";

const port = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(0, "must be between 0 and 65535")
  .max(65535, "must be between 0 and 65535");

const milliseconds = (fallback: number) =>
  z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .positive("must be greater than 0")
    .default(fallback);

const count = (fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .default(fallback);

const isPostgresUrl = (value: string) =>
  URL.canParse(value) && ["postgres:", "postgresql:"].includes(new URL(value).protocol);

/** Variables whose values may hold a password or key: a refusal names them without echoing them to the log. */
const SECRET_VARIABLES = new Set(["PORTCALL_DATABASE_URL", "PORTCALL_SECRET_KEY", "PORTCALL_SIGNING_KEY"]);

const ConfigSchema = z
  .object({
    PORTCALL_PORT: port.default(8080),
    PORTCALL_HOST: z
      .string()
      .refine((value) => value === "localhost" || isIP(value) !== 0, "must be an IP address or localhost")
      .default("127.0.0.1"),
    PORTCALL_DATA_DIR: z.string().min(1, "must not be empty").default("./data"),
    // A PostgreSQL database, which replicas can share; without it the store is SQLite in the data folder.
    PORTCALL_DATABASE_URL: z
      .string()
      .refine(
        isPostgresUrl,
        "must be a PostgreSQL URL, such as postgres://portcall:secret@db.example.com/portcall",
      )
      .optional(),
    // A plain Docker call (inspect, list) that takes longer than this is answered 504 host_timeout.
    PORTCALL_DOCKER_TIMEOUT_MS: milliseconds(10_000),
    // How long SIGTERM waits for in-flight requests before it cuts them off.
    PORTCALL_SHUTDOWN_GRACE_MS: milliseconds(10_000),
    // A client slower than these to send its request's headers, or its whole request (an upload included), is
    // disconnected: slow clients cannot hold connections forever. Neither bounds a response (a followed log).
    PORTCALL_HEADERS_TIMEOUT_MS: milliseconds(30_000),
    PORTCALL_REQUEST_TIMEOUT_MS: milliseconds(300_000),
    // How long an idle keep-alive connection stays open: longer than a load balancer's own idle timeout (60 s on
    // AWS ALB), so that the balancer, not portcall, closes it and never sends a request into a closing one.
    PORTCALL_KEEP_ALIVE_TIMEOUT_MS: milliseconds(65_000),
    // Health probes of every host: how often, how long one may take, and after how many failures in a row
    // calls stop waiting on a host and fail fast until it answers again.
    PORTCALL_PROBE_INTERVAL_MS: milliseconds(15_000),
    PORTCALL_PROBE_TIMEOUT_MS: milliseconds(2_000),
    // How soon a host added, changed or removed elsewhere (another replica, the CLI) is seen here.
    PORTCALL_HOSTS_REFRESH_MS: milliseconds(2_000),
    PORTCALL_HOST_FAILURE_THRESHOLD: z.coerce.number().int().min(1, "must be at least 1").default(3),
    // 32 random bytes, base64url; without it a key file is created in the data folder on first start.
    PORTCALL_SECRET_KEY: z.string().min(1).optional(),
    PORTCALL_HOSTS_FILE: z.string().min(1).optional(),
    PORTCALL_TOKEN_ISSUER: z.string().min(1).default("portcall"),
    PORTCALL_TOKEN_AUDIENCE: z.string().min(1).default("portcall"),
    PORTCALL_TOKEN_MAX_TTL: z
      .string()
      .refine((value) => parseDuration(value) !== undefined, "must be a duration like 90d, 12h or 3600")
      .default("90d"),
    PORTCALL_SIGNING_KEY_FILE: z.string().min(1).optional(),
    // The signing key's PEM itself, for where no file can be shipped (a function's environment).
    PORTCALL_SIGNING_KEY: z.string().min(1).optional(),
    PORTCALL_OIDC_ISSUER: z.url("must be the issuer's URL").optional(),
    PORTCALL_OIDC_AUDIENCE: z.string().min(1).optional(),
    PORTCALL_OIDC_JWKS_URL: z.url("must be a URL").optional(),
    PORTCALL_OIDC_HOSTS_CLAIM: z.string().min(1).default("portcall_hosts"),
    PORTCALL_OIDC_SCOPE_CLAIM: z.string().min(1).default("scope"),
    // Limits for containers whose spec sets none: nothing portcall starts is unbounded.
    PORTCALL_DEFAULT_MEMORY_BYTES: z.coerce
      .number()
      .int()
      .min(6 * 1024 * 1024, "must be at least 6 MiB")
      .default(512 * 1024 * 1024),
    PORTCALL_DEFAULT_PIDS_LIMIT: z.coerce.number().int().min(1, "must be at least 1").default(1024),
    // What every build's RUN steps get: a build runs containers on the host like any other.
    PORTCALL_BUILD_MEMORY_BYTES: z.coerce
      .number({ error: "must be a number of bytes" })
      .int("must be a whole number of bytes")
      .min(6 * 1024 * 1024, "must be at least 6 MiB")
      .default(2 * 1024 * 1024 * 1024),
    PORTCALL_BUILD_CPUS: z.coerce
      .number({ error: "must be a number of CPUs, such as 1 or 0.5" })
      .min(0.01, "must be at least 0.01")
      .default(1),
    // What one subject may have going at once, across every token it holds (children share their creator's
    // subject); past these, 429 too_many_requests with Retry-After. The names are older than that rule.
    PORTCALL_MAX_RUNS_PER_TOKEN: count(20),
    PORTCALL_MAX_EXECS_PER_TOKEN: count(10),
    PORTCALL_MAX_STREAMS_PER_TOKEN: count(20),
    // The longest a POST /v1/runs may hold the request open waiting for the run to end.
    PORTCALL_RUN_MAX_WAIT_SECONDS: count(900),
    // Audit entries older than this are deleted, at start and then hourly.
    PORTCALL_AUDIT_RETENTION_DAYS: z.coerce
      .number({ error: "must be a number of days" })
      .int("must be a whole number of days")
      .min(1, "must be at least 1 day")
      .default(90),
    // Where a non-admin token may point portcall (CIDRs, addresses, host names, `*.suffix`); without it, anywhere
    // but loopback, link-local and metadata addresses, by IP address only.
    PORTCALL_HOST_ALLOW: z
      .string()
      .transform((text, ctx) => {
        try {
          return parseHostAllowList(text);
        } catch (error) {
          ctx.addIssue({
            code: "custom",
            message: `${(error as Error).message}; give a comma-separated list`,
          });
          return z.NEVER;
        }
      })
      .optional(),
    PORTCALL_PUBLIC_URL: z
      .url("must be the URL clients reach portcall at, such as https://portcall.example.com")
      .optional(),
    PORTCALL_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    DOCKER_HOST: z
      .string()
      .regex(/^unix:\/\/\/.+/, "only unix:///path/to/docker.sock is supported for the local host")
      .optional(),
  })
  .refine((env) => !(env.PORTCALL_SIGNING_KEY && env.PORTCALL_SIGNING_KEY_FILE), {
    path: ["PORTCALL_SIGNING_KEY"],
    message: "give the signing key once: PORTCALL_SIGNING_KEY or PORTCALL_SIGNING_KEY_FILE, not both",
  })
  // Node refuses a server whose headers may take longer than its whole request.
  .refine((env) => env.PORTCALL_HEADERS_TIMEOUT_MS <= env.PORTCALL_REQUEST_TIMEOUT_MS, {
    path: ["PORTCALL_HEADERS_TIMEOUT_MS"],
    message: "must not be longer than PORTCALL_REQUEST_TIMEOUT_MS",
  })
  .refine((env) => !env.PORTCALL_OIDC_ISSUER || env.PORTCALL_OIDC_AUDIENCE, {
    path: ["PORTCALL_OIDC_AUDIENCE"],
    message: "is required when PORTCALL_OIDC_ISSUER is set",
  });

export type Config = {
  port: number;
  /** Where clients reach portcall, when it is not the address a request was sent to (a proxy in front). */
  publicUrl: string | undefined;
  host: string;
  dataDir: string;
  /** The PostgreSQL store's URL; undefined for SQLite in the data folder. */
  databaseUrl: string | undefined;
  dockerTimeoutMs: number;
  shutdownGraceMs: number;
  /** The Node HTTP server's limits on slow and idle clients. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  hostsRefreshMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  hostFailureThreshold: number;
  secretKey: string | undefined;
  hostsFile: string | undefined;
  tokenIssuer: string;
  tokenAudience: string;
  tokenMaxTtlSeconds: number;
  signingKeyFile: string | undefined;
  /** PORTCALL_SIGNING_KEY: the key's PEM, given in the environment rather than in a file. */
  signingKeyPem: string | undefined;
  oidc:
    | {
        issuer: string;
        audience: string;
        jwksUrl: string | undefined;
        hostsClaim: string;
        scopeClaim: string;
      }
    | undefined;
  containerDefaults: { memoryBytes: number; pids: number };
  buildLimits: { memoryBytes: number; cpus: number };
  limits: ConcurrencyLimits;
  runMaxWaitSeconds: number;
  auditRetentionDays: number;
  hostAllow: HostAllowList | undefined;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  localDockerSocket: string;
  /** True when DOCKER_HOST named the local socket: it is registered on first start even if it is down. */
  localDockerSocketExplicit: boolean;
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads the environment once; every problem is reported together, by variable name. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const shown = SECRET_VARIABLES.has(name) ? "(not shown)" : JSON.stringify(env[name] ?? "");
      return `  ${name}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(`portcall cannot start, the configuration is invalid:\n${lines.join("\n")}`);
  }
  const value = parsed.data;
  return {
    port: value.PORTCALL_PORT,
    publicUrl: value.PORTCALL_PUBLIC_URL,
    host: value.PORTCALL_HOST,
    dataDir: resolve(value.PORTCALL_DATA_DIR),
    databaseUrl: value.PORTCALL_DATABASE_URL,
    dockerTimeoutMs: value.PORTCALL_DOCKER_TIMEOUT_MS,
    shutdownGraceMs: value.PORTCALL_SHUTDOWN_GRACE_MS,
    http: {
      headersTimeoutMs: value.PORTCALL_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: value.PORTCALL_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: value.PORTCALL_KEEP_ALIVE_TIMEOUT_MS,
    },
    probeIntervalMs: value.PORTCALL_PROBE_INTERVAL_MS,
    probeTimeoutMs: value.PORTCALL_PROBE_TIMEOUT_MS,
    hostsRefreshMs: value.PORTCALL_HOSTS_REFRESH_MS,
    hostFailureThreshold: value.PORTCALL_HOST_FAILURE_THRESHOLD,
    secretKey: value.PORTCALL_SECRET_KEY,
    hostsFile: value.PORTCALL_HOSTS_FILE ? resolve(value.PORTCALL_HOSTS_FILE) : undefined,
    tokenIssuer: value.PORTCALL_TOKEN_ISSUER,
    tokenAudience: value.PORTCALL_TOKEN_AUDIENCE,
    tokenMaxTtlSeconds: parseDuration(value.PORTCALL_TOKEN_MAX_TTL) ?? 0,
    signingKeyFile: value.PORTCALL_SIGNING_KEY_FILE ? resolve(value.PORTCALL_SIGNING_KEY_FILE) : undefined,
    signingKeyPem: value.PORTCALL_SIGNING_KEY,
    oidc:
      value.PORTCALL_OIDC_ISSUER && value.PORTCALL_OIDC_AUDIENCE
        ? {
            issuer: value.PORTCALL_OIDC_ISSUER,
            audience: value.PORTCALL_OIDC_AUDIENCE,
            jwksUrl: value.PORTCALL_OIDC_JWKS_URL,
            hostsClaim: value.PORTCALL_OIDC_HOSTS_CLAIM,
            scopeClaim: value.PORTCALL_OIDC_SCOPE_CLAIM,
          }
        : undefined,
    containerDefaults: {
      memoryBytes: value.PORTCALL_DEFAULT_MEMORY_BYTES,
      pids: value.PORTCALL_DEFAULT_PIDS_LIMIT,
    },
    buildLimits: { memoryBytes: value.PORTCALL_BUILD_MEMORY_BYTES, cpus: value.PORTCALL_BUILD_CPUS },
    limits: {
      runs: value.PORTCALL_MAX_RUNS_PER_TOKEN,
      exec: value.PORTCALL_MAX_EXECS_PER_TOKEN,
      streams: value.PORTCALL_MAX_STREAMS_PER_TOKEN,
    },
    runMaxWaitSeconds: value.PORTCALL_RUN_MAX_WAIT_SECONDS,
    auditRetentionDays: value.PORTCALL_AUDIT_RETENTION_DAYS,
    hostAllow: value.PORTCALL_HOST_ALLOW,
    logLevel: value.PORTCALL_LOG_LEVEL,
    localDockerSocket: value.DOCKER_HOST ? value.DOCKER_HOST.slice("unix://".length) : "/var/run/docker.sock",
    localDockerSocketExplicit: value.DOCKER_HOST !== undefined,
  };
}
