import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";

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

const ConfigSchema = z.object({
  PORTCALL_PORT: port.default(8080),
  PORTCALL_HOST: z
    .string()
    .refine((value) => value === "localhost" || isIP(value) !== 0, "must be an IP address or localhost")
    .default("127.0.0.1"),
  PORTCALL_DATA_DIR: z.string().min(1, "must not be empty").default("./data"),
  // A plain Docker call (inspect, list) that takes longer than this is answered 504 host_timeout.
  PORTCALL_DOCKER_TIMEOUT_MS: milliseconds(10_000),
  // How long SIGTERM waits for in-flight requests before it cuts them off.
  PORTCALL_SHUTDOWN_GRACE_MS: milliseconds(10_000),
  PORTCALL_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  DOCKER_HOST: z
    .string()
    .regex(/^unix:\/\/\/.+/, "only unix:///path/to/docker.sock is supported for the local host")
    .optional(),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  dockerTimeoutMs: number;
  shutdownGraceMs: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  localDockerSocket: string;
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
      return `  ${name}=${JSON.stringify(env[name] ?? "")}: ${issue.message}`;
    });
    throw new ConfigError(`portcall cannot start, the configuration is invalid:\n${lines.join("\n")}`);
  }
  const value = parsed.data;
  return {
    port: value.PORTCALL_PORT,
    host: value.PORTCALL_HOST,
    dataDir: resolve(value.PORTCALL_DATA_DIR),
    dockerTimeoutMs: value.PORTCALL_DOCKER_TIMEOUT_MS,
    shutdownGraceMs: value.PORTCALL_SHUTDOWN_GRACE_MS,
    logLevel: value.PORTCALL_LOG_LEVEL,
    localDockerSocket: value.DOCKER_HOST ? value.DOCKER_HOST.slice("unix://".length) : "/var/run/docker.sock",
  };
}
