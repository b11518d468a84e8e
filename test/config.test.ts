import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("configuration from the environment", () => {
  it("starts on 127.0.0.1:8080 with ./data and the system Docker socket when nothing is set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      localDockerSocket: "/var/run/docker.sock",
      dockerTimeoutMs: 10_000,
    });
    expect(config.dataDir).toBe(`${process.cwd()}/data`);
  });

  it("takes the local socket from DOCKER_HOST", () => {
    expect(loadConfig({ DOCKER_HOST: "unix:///tmp/d.sock" }).localDockerSocket).toBe("/tmp/d.sock");
  });

  it("refuses to start with a message naming every bad variable and its value", () => {
    const attempt = () =>
      loadConfig({ PORTCALL_PORT: "eighty", PORTCALL_HOST: "my laptop", DOCKER_HOST: "tcp://x:2375" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORTCALL_PORT="eighty": must be a number/);
    expect(attempt).toThrow(/PORTCALL_HOST="my laptop": must be an IP address or localhost/);
    expect(attempt).toThrow(/DOCKER_HOST="tcp:\/\/x:2375": only unix:\/\/\//);
  });

  it("keeps audit entries 90 days unless PORTCALL_AUDIT_RETENTION_DAYS says otherwise, in whole days", () => {
    expect(loadConfig({}).auditRetentionDays).toBe(90);
    expect(loadConfig({ PORTCALL_AUDIT_RETENTION_DAYS: "7" }).auditRetentionDays).toBe(7);
    expect(() => loadConfig({ PORTCALL_AUDIT_RETENTION_DAYS: "0" })).toThrow(
      /PORTCALL_AUDIT_RETENTION_DAYS="0": must be at least 1 day/,
    );
    for (const [value, message] of [
      ["1.5", /must be a whole number of days/],
      ["forever", /must be a number of days/],
    ] as const) {
      expect(() => loadConfig({ PORTCALL_AUDIT_RETENTION_DAYS: value })).toThrow(message);
    }
  });

  it("keeps idle connections 65 s, longer than a load balancer's 60, and gives slow clients 30 s for headers", () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(loadConfig({ PORTCALL_KEEP_ALIVE_TIMEOUT_MS: "75000" }).http.keepAliveTimeoutMs).toBe(75_000);
    expect(() =>
      loadConfig({ PORTCALL_HEADERS_TIMEOUT_MS: "20000", PORTCALL_REQUEST_TIMEOUT_MS: "10000" }),
    ).toThrow(/PORTCALL_HEADERS_TIMEOUT_MS="20000": must not be longer than PORTCALL_REQUEST_TIMEOUT_MS/);
  });

  it("refuses ports outside 0-65535 and non-positive timeouts", () => {
    expect(() => loadConfig({ PORTCALL_PORT: "70000" })).toThrow(/between 0 and 65535/);
    expect(() => loadConfig({ PORTCALL_DOCKER_TIMEOUT_MS: "0" })).toThrow(/PORTCALL_DOCKER_TIMEOUT_MS="0"/);
  });

  it("limits every build to 2 GiB and one CPU unless told otherwise, decimals allowed", () => {
    expect(loadConfig({}).buildLimits).toEqual({ memoryBytes: 2 * 1024 ** 3, cpus: 1 });
    expect(
      loadConfig({ PORTCALL_BUILD_MEMORY_BYTES: "314572800", PORTCALL_BUILD_CPUS: "0.5" }).buildLimits,
    ).toEqual({ memoryBytes: 314572800, cpus: 0.5 });
    const attempt = () => loadConfig({ PORTCALL_BUILD_MEMORY_BYTES: "1024", PORTCALL_BUILD_CPUS: "lots" });
    expect(attempt).toThrow(/PORTCALL_BUILD_MEMORY_BYTES="1024": must be at least 6 MiB/);
    expect(attempt).toThrow(/PORTCALL_BUILD_CPUS="lots": must be a number of CPUs/);
  });

  it("keeps the store in the data folder unless PORTCALL_DATABASE_URL names a PostgreSQL database", () => {
    expect(loadConfig({}).databaseUrl).toBeUndefined();
    const url = "postgresql://portcall:secret@db.example:5432/portcall?sslmode=require";
    expect(loadConfig({ PORTCALL_DATABASE_URL: url }).databaseUrl).toBe(url);
    for (const value of ["mysql://portcall:secret@db.example/portcall", "db.example:5432", ""]) {
      const attempt = () => loadConfig({ PORTCALL_DATABASE_URL: value });
      expect(attempt).toThrow(
        /PORTCALL_DATABASE_URL=\(not shown\): must be a PostgreSQL URL, such as postgres:\/\//,
      );
      if (value) expect(attempt).not.toThrow(value);
    }
  });
});
