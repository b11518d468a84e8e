import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A unix socket that misbehaves in a way a real daemon cannot be made to on demand: it accepts connections
 * and never answers. It speaks nothing of HTTP or Docker.
 */
export type FaultSocket = {
  path: string;
  /** Connections ever accepted. */
  connections: () => number;
  /** Connections still open now. */
  open: () => number;
  close: () => Promise<void>;
};

async function listen(onConnection: (socket: Socket) => void): Promise<FaultSocket> {
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
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    connections: () => connections,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function silentSocket(): Promise<FaultSocket> {
  return listen((socket) => socket.resume());
}
