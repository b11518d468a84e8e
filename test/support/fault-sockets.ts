import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A unix socket that misbehaves in a way a real daemon cannot be made to on demand: it accepts connections
 * and never answers. It speaks nothing of HTTP or Docker.
 */
export type FaultSocket = {
  /** Where to reach it, as a host URL: `unix:///…/docker.sock` or `tcp://127.0.0.1:PORT`. */
  url: string;
  /** Connections ever accepted. */
  connections: () => number;
  /** Connections still open now. */
  open: () => number;
  close: () => Promise<void>;
};

async function listen(kind: "unix" | "tcp", onConnection: (socket: Socket) => void): Promise<FaultSocket> {
  const dir = await mkdtemp(join(tmpdir(), "portcall-fault-"));
  const path = join(dir, "docker.sock");
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) =>
    kind === "unix" ? server.listen(path, resolve) : server.listen(0, "127.0.0.1", resolve),
  );
  const address = server.address();
  return {
    url:
      kind === "unix" || typeof address !== "object" || !address
        ? `unix://${path}`
        : `tcp://127.0.0.1:${address.port}`,
    connections: () => connections,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Accepts connections on a unix socket (default) or a loopback TCP port, and never answers. */
export function silentSocket(kind: "unix" | "tcp" = "unix"): Promise<FaultSocket> {
  return listen(kind, (socket) => socket.resume());
}
