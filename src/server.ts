import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { createLogger } from "./logging/logger.js";
import { createServices } from "./services.js";

/** Serves the API until SIGTERM or SIGINT, then drains and exits 0. */
export async function runServer(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, logger);
  services.hosts.startProbing(config.probeIntervalMs);
  services.hosts.startFollowing(config.hostsRefreshMs);
  // Only a server watches runs: a CLI command lives too short to hold a run's lease.
  services.runs.resume();
  services.tokens.startUsageFlush();
  services.audit.start();
  const app = createApp(services);

  const server = serve(
    { fetch: app.fetch, port: config.port, hostname: config.host },
    (info: AddressInfo) => {
      logger.info("listening", {
        url: `http://${info.family === "IPv6" ? `[${info.address}]` : info.address}:${info.port}`,
        port: info.port,
        hosts: services.hosts.list().map((host) => host.id),
      });
    },
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, graceMs: config.shutdownGraceMs });
    const finish = async () => {
      await services.close();
      logger.info("stopped");
      process.exit(0);
    };
    // Requests still running after the grace period are cut off, Docker calls and streams with them.
    const deadline = setTimeout(() => {
      logger.warn("grace period over; closing remaining connections");
      if ("closeAllConnections" in server) server.closeAllConnections();
      void finish();
    }, config.shutdownGraceMs);
    deadline.unref();
    server.close(() => {
      clearTimeout(deadline);
      void finish();
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
