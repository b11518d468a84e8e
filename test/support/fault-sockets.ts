import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Unix sockets that misbehave in ways a real daemon cannot be made to on demand: one that accepts and
 * never answers, one that answers only after a delay. They speak just enough HTTP for that, nothing of Docker.
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

export function slowSocket(delayMs: number, json: unknown): Promise<FaultSocket> {
  const body = JSON.stringify(json);
  return listen((socket) => {
    socket.once("data", () => {
      setTimeout(() => {
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            `Connection: close\r\n\r\n${body}`,
        );
      }, delayMs);
    });
  });
}
