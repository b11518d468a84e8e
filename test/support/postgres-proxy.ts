import net from "node:net";
import type pg from "pg";

/**
 * Revokes a token by hand-written SQL with the tables' notice triggers off for it: a change nobody is told of,
 * after which only an answer kept from before still calls the token active.
 */
export async function silently(client: pg.Client, id: string): Promise<void> {
  await client.query("begin");
  try {
    await client.query("alter table tokens disable trigger tokens_changed");
    await client.query("update tokens set revoked_at = $1 where id = $2", ["2026-06-01T00:00:00.000Z", id]);
    await client.query("alter table tokens enable always trigger tokens_changed");
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw error;
  }
}

export type DatabaseProxy = { port: number; close(): void };

/**
 * A loopback proxy in front of a PostgreSQL server that sends each new connection to the database `route`
 * names when it opens (it rewrites the startup message's `database`): a DNS name that moved to another
 * database, while the connections already open stay where they were.
 */
export function routingProxy(
  target: URL,
  route: (startup: Map<string, string>) => string,
): Promise<DatabaseProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once("data", (first) => {
      // No TLS request on loopback: the first message is the startup one (length, version, key\0value\0…\0).
      const length = first.readInt32BE(0);
      const fields = first.subarray(8, length).toString("utf8").split("\0");
      const startup = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2)
        if (fields[i]) startup.set(fields[i] ?? "", fields[i + 1] ?? "");
      startup.set("database", route(startup));
      const body = Buffer.from(`${[...startup].map(([key, value]) => `${key}\0${value}\0`).join("")}\0`);
      const header = Buffer.alloc(8);
      header.writeInt32BE(body.length + 8, 0);
      header.writeInt32BE(first.readInt32BE(4), 4);
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(upstream);
      upstream.write(Buffer.concat([header, body, first.subarray(length)]));
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      }),
    ),
  );
}

/** `url` reached through the proxy. */
export function viaProxy(url: string, proxy: DatabaseProxy): string {
  const via = new URL(url);
  via.hostname = "127.0.0.1";
  via.port = String(proxy.port);
  return via.href;
}
