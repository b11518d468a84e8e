import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { batchedStdout, createLogger } from "./logging/logger.js";
import { createServices } from "./services.js";

/** Serves the API until SIGTERM or SIGINT, then drains and exits 0. */
export async function runServer(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, batchedStdout());
  const services = await createServices(config, logger);
  services.hosts.startProbing(config.probeIntervalMs);
  services.hosts.startFollowing(config.hostsRefreshMs);
  // Only a server watches runs: a CLI command lives too short to hold a run's lease.
  services.runs.resume();
  services.tokens.startUsageFlush();
  services.audit.start();
  const app = createApp(services);

  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  const server = serve(
    {
      fetch: app.fetch,
      port: config.port,
      hostname: config.host,
      // Node's requestTimeout ends with the request's last byte, so responses that stream for hours are not
      // cut by it. Node looks for expired requests every connectionsCheckingInterval (30 s by default), which
      // would let a short timeout run twice over.
      serverOptions: {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        keepAliveTimeout: keepAliveTimeoutMs,
        connectionsCheckingInterval: Math.min(30_000, Math.ceil(headersTimeoutMs / 4)),
      },
    },
    (info: AddressInfo) => {
      logger.info("listening", {
        url: `http://${info.family === "IPv6" ? `[${info.address}]` : info.address}:${info.port}`,
        port: info.port,
        hosts: services.hosts.list().map((host) => host.id),
      });
    },
    // Without a createServer of our own it is node:http's server; the type names HTTP/2's too.
  ) as Server;

  // While draining, a request that still arrives on a kept-alive connection is told to close it after its answer.
  server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
    if (services.stopping.aborted && !response.headersSent) response.setHeader("Connection", "close");
  });

  const shutdown = (signal: string) => {
    if (services.stopping.aborted) return;
    services.drain();
    logger.info("shutting down", { signal, graceMs: config.shutdownGraceMs });
    const finish = async () => {
      await services.close();
      logger.info("stopped");
      process.exit(0);
    };
    // Requests still running after the grace period are cut off, Docker calls and streams with them.
    const deadline = setTimeout(() => {
      logger.warn("grace period over; closing remaining connections");
      server.closeAllConnections();
      void finish();
    }, config.shutdownGraceMs);
    deadline.unref();
    // server.close() closes the connections idle at that moment only; one whose last answer ends while draining
    // would stay open for keepAliveTimeout, and the close wait for it.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(sweep);
      void finish();
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
