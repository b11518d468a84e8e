import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A unix socket relaying to a real daemon's socket, which a test can cut off and bring back: a host that drops
 * out and returns, without stopping a daemon other test files use.
 */
export type CuttableProxy = {
  url: string;
  /** Stops listening and drops every open connection, as a daemon that died would. */
  cut: () => Promise<void>;
  restore: () => Promise<void>;
  /** Connections open now, both sides counted. */
  open: () => number;
  close: () => Promise<void>;
};

export async function cuttableProxy(targetSocket: string): Promise<CuttableProxy> {
  const dir = await mkdtemp(join(tmpdir(), "portcall-proxy-"));
  const path = join(dir, "docker.sock");
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  let server: Server | undefined;
  const listen = async () => {
    await rm(path, { force: true });
    server = createServer((client) => {
      const upstream = connect(targetSocket);
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(path, resolve));
  };
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();
  return {
    url: `unix://${path}`,
    cut,
    restore: listen,
    open: () => sockets.size,
    close: async () => {
      await cut();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
