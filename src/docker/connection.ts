import type Dockerode from "dockerode";
import { type SshEndpoint, SshTunnel } from "./ssh-tunnel.js";

/** How to reach one Engine, with its secrets in clear: lives in memory only, never stored or returned. */
export type Connection =
  | { transport: "unix"; socketPath: string }
  | {
      transport: "tcp";
      host: string;
      port: number;
      /** Mutual TLS; null only for an insecure loopback address. */
      tls: { ca: string; cert: string; key: string } | null;
    }
  | ({ transport: "ssh" } & SshEndpoint);

export type DockerClient = { docker: Dockerode; tunnel: SshTunnel | undefined };

/**
 * One dockerode client per host, with docker-modem's default connection handling: no custom agent (it makes
 * every call slow under concurrency) and no modem `timeout` (an idle timer that would kill long streams).
 */
export async function createDockerClient(
  connection: Connection,
  connectTimeoutMs: number,
): Promise<DockerClient> {
  // Loaded with the first client, not at start: dockerode brings docker-modem, ssh2 and gRPC along, a good
  // part of a cold start that may never reach a host (a health check, a function answering a 401).
  const { default: Dockerode } = await import("dockerode");
  switch (connection.transport) {
    case "unix":
      return { docker: new Dockerode({ socketPath: connection.socketPath }), tunnel: undefined };
    case "tcp": {
      const { host, port, tls } = connection;
      const docker = tls
        ? new Dockerode({ host, port, protocol: "https", ca: tls.ca, cert: tls.cert, key: tls.key })
        : new Dockerode({ host, port, protocol: "http" });
      return { docker, tunnel: undefined };
    }
    case "ssh": {
      const tunnel = new SshTunnel({ ...connection, readyTimeoutMs: connectTimeoutMs });
      // A concrete path, not docker-modem's lazy socketPath function: it caches a rejected promise and
      // then lets it go unhandled. The SSH connection itself is still made on the first request.
      return { docker: new Dockerode({ socketPath: await tunnel.socketPath() }), tunnel };
    }
  }
}
