import { constants, existsSync } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { DockerHost } from "./docker/docker-host.js";
import type { Services } from "./env.js";
import { StaticHostRegistry } from "./hosts/host-registry.js";
import { createLogger, type Logger } from "./logging/logger.js";

async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`portcall cannot use its data folder PORTCALL_DATA_DIR=${dataDir}: ${reason}`);
  }
}

function localHosts(config: Config, logger: Logger): DockerHost[] {
  // An explicit DOCKER_HOST is registered even when down: the operator asked for it.
  if (!process.env.DOCKER_HOST && !existsSync(config.localDockerSocket)) {
    logger.warn("no local Docker socket found; no host is registered", { socket: config.localDockerSocket });
    return [];
  }
  return [
    new DockerHost({
      id: "local",
      socketPath: config.localDockerSocket,
      callTimeoutMs: config.dockerTimeoutMs,
    }),
  ];
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  await prepareDataDir(config.dataDir);

  const hosts = new StaticHostRegistry(localHosts(config, logger));
  const services: Services = {
    hosts,
    logger,
    checkStore: () => access(config.dataDir, constants.W_OK),
  };
  const app = createApp(services);

  const server = serve(
    { fetch: app.fetch, port: config.port, hostname: config.host },
    (info: AddressInfo) => {
      logger.info("listening", {
        url: `http://${info.family === "IPv6" ? `[${info.address}]` : info.address}:${info.port}`,
        port: info.port,
        hosts: hosts.list().map((host) => host.id),
      });
    },
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, graceMs: config.shutdownGraceMs });
    // Requests still running after the grace period are cut off, Docker calls and streams with them.
    const deadline = setTimeout(() => {
      logger.warn("grace period over; closing remaining connections");
      hosts.close();
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, config.shutdownGraceMs);
    deadline.unref();
    server.close(() => {
      clearTimeout(deadline);
      hosts.close();
      logger.info("stopped");
      process.exit(0);
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `portcall failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  process.exit(1);
});
