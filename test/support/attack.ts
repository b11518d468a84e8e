import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingHttpHeaders, request } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { readJson } from "./http.js";
import { rig } from "./rig.js";
import { type FreshServer, startFreshServer } from "./server.js";

/** A portcall server process to attack, with an admin token and a way to mint tokens as the admin would. */
export type Target = FreshServer & {
  /** POST /v1/tokens as the admin; `subject` tells people apart (the attacker, the victim). */
  mint(
    subject: string,
    scopes: string[],
    hosts?: string[],
    policy?: Record<string, unknown>,
  ): Promise<string>;
  as(token: string, path: string, init?: RequestInit): Promise<Response>;
};

export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const server = await startFreshServer({ DOCKER_HOST: "unix:///nonexistent.sock", ...env });
  const as = (token: string, path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${token}`);
    if (init.body !== undefined && !headers.has("Content-Type"))
      headers.set("Content-Type", "application/json");
    return fetch(`${server.url}${path}`, { ...init, headers });
  };
  return {
    ...server,
    as,
    async mint(subject, scopes, hosts = ["*"], policy) {
      const res = await as(server.token, "/v1/tokens", {
        method: "POST",
        body: JSON.stringify({
          name: subject,
          subject,
          scopes,
          hosts,
          ttl: "1h",
          ...(policy ? { policy } : {}),
        }),
      });
      const body = await readJson(res);
      if (res.status !== 201) throw new Error(`minting failed: ${res.status} ${JSON.stringify(body)}`);
      return body.token as string;
    },
  };
}

export const post = (body: unknown, method = "POST"): RequestInit => ({
  method,
  body: JSON.stringify(body),
  headers: { "Content-Type": "application/json" },
});

export type RecordedRequest = { method: string; url: string; headers: IncomingHttpHeaders };

export type FakeDaemon = {
  port: number;
  url: string;
  requests: RecordedRequest[];
  /** TCP connections accepted, whether or not they carried a request. */
  connections: number;
  close(): Promise<void>;
};

type Override = (req: RecordedRequest) => { status: number; body: unknown } | undefined;

/**
 * A daemon an attacker runs: mutual TLS with the rig's certificates (so portcall accepts it like any TLS host),
 * recording every request and relaying it to rig1, so that it behaves like a real Docker daemon. `override`
 * answers some requests itself (an empty container list, to look idle).
 */
export async function fakeTlsDaemon(override: Override = () => undefined): Promise<FakeDaemon> {
  const { tls, rigDir, daemons } = rig();
  const requests: RecordedRequest[] = [];
  const server = createHttpsServer(
    {
      cert: readFileSync(tls.serverCert),
      key: readFileSync(join(rigDir, "tls", "server-key.pem")),
      ca: readFileSync(tls.ca),
      requestCert: true,
    },
    (req, res) => {
      const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
      requests.push(recorded);
      const answer = override(recorded);
      if (answer) {
        res.writeHead(answer.status, { "Content-Type": "application/json" }).end(JSON.stringify(answer.body));
        return;
      }
      const upstream = request(
        { socketPath: daemons.rig1?.socket, method: req.method, path: req.url, headers: req.headers },
        (answerFromRig) => {
          res.writeHead(answerFromRig.statusCode ?? 502, answerFromRig.headers);
          answerFromRig.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    },
  );
  return listening(server, requests, "tcp");
}

/** A plain-HTTP listener that records what reaches it and answers nothing useful. */
export async function recordingListener(): Promise<FakeDaemon> {
  const requests: RecordedRequest[] = [];
  const server = createHttpServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    res.writeHead(404).end();
  });
  return listening(server, requests, "tcp");
}

/** A TCP port that accepts connections and says nothing: an open port of some other service. */
export async function silentPort(): Promise<FakeDaemon> {
  return listening(createTcpServer(), [], "tcp");
}

async function listening(server: Server, requests: RecordedRequest[], scheme: string): Promise<FakeDaemon> {
  const counted = { connections: 0 };
  const sockets = new Set<Socket>();
  // https servers announce TLS sockets as secureConnection; "connection" sees every TCP connection alike.
  server.on("connection", (socket: Socket) => {
    counted.connections += 1;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    requests,
    get connections() {
      return counted.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = await silentPort();
  await probe.close();
  return probe.port;
}

/** The TLS settings portcall presents to a TLS host: the rig's client certificate. */
export function rigTls(): { ca: string; cert: string; key: string } {
  const { tls } = rig();
  return {
    ca: readFileSync(tls.ca, "utf8"),
    cert: readFileSync(tls.cert, "utf8"),
    key: readFileSync(tls.key, "utf8"),
  };
}
