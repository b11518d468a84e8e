import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client, ClientChannel } from "ssh2";

/** Where and as whom to log in, secrets included. */
export type SshEndpoint = {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  passphrase?: string | undefined;
  /** `SHA256:…` as `ssh-keygen -lf` prints it; the server must present exactly this key. */
  hostKeyFingerprint: string;
};

export type SshTarget = SshEndpoint & {
  /** Bound on the TCP connect plus SSH handshake. */
  readyTimeoutMs: number;
};

export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(publicKeyBlob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Reaches a remote Engine the way `docker -H ssh://` does (`docker system dial-stdio` on the remote), but over
 * ONE SSH connection per host, with a channel per HTTP connection, exposed as a private local unix socket.
 * dockerode then uses its default connection handling on that socket: its own SSH agent opens a new SSH
 * connection per request, can throw from event handlers, and a custom agent makes docker-modem slow.
 */
export class SshTunnel {
  private server: Server | undefined;
  private starting: Promise<string> | undefined;
  private connection: Promise<Client> | undefined;
  private current: Client | undefined;
  private readonly locals = new Set<Socket>();
  private dir: string | undefined;
  /** Why the last SSH attempt failed, for error details; never contains key material. */
  lastError: string | undefined;

  constructor(private readonly target: SshTarget) {}

  /** The local socket path; starts the listener on first use. */
  socketPath(): Promise<string> {
    this.starting ??= this.listen();
    return this.starting;
  }

  async close(): Promise<void> {
    for (const socket of this.locals) socket.destroy();
    const connection = this.connection;
    this.connection = undefined;
    connection?.then((client) => client.end()).catch(() => {});
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async listen(): Promise<string> {
    // mkdtemp makes a 0700 folder: only portcall's user can reach the socket inside it.
    this.dir = await mkdtemp(join(tmpdir(), "portcall-ssh-"));
    const path = join(this.dir, "docker.sock");
    // Half-open: a client that closes its writing side (exec's end of stdin) must still read the answer.
    const server = createServer({ allowHalfOpen: true }, (local) => this.forward(local));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    // After listening, an accept error (EMFILE) must not become an uncaught exception.
    server.on("error", (error) => {
      this.lastError = describe(error);
    });
    this.server = server;
    return path;
  }

  private forward(local: Socket): void {
    this.locals.add(local);
    local.on("close", () => this.locals.delete(local));
    local.on("error", () => local.destroy());
    this.client()
      .then((client) => this.openChannel(client))
      .then((channel) => {
        // The path works again: an older failure no longer explains anything.
        this.lastError = undefined;
        if (local.destroyed) {
          channel.close();
          return;
        }
        channel.on("error", () => local.destroy());
        channel.on("close", () => local.destroy());
        local.on("close", () => channel.close());
        local.pipe(channel).pipe(local);
      })
      .catch((error: unknown) => {
        // A failed connection already said why (a host key mismatch reads better than ssh2's handshake error).
        this.lastError ??= describe(error);
        local.destroy();
      });
  }

  private openChannel(client: Client): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      client.exec("docker system dial-stdio", (error, channel) => (error ? reject(error) : resolve(channel)));
    });
  }

  private client(): Promise<Client> {
    this.connection ??= this.connect().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  private async connect(): Promise<Client> {
    const { target } = this;
    // ssh2 is loaded by the first SSH host that is dialled, not by every start.
    const { Client } = await import("ssh2");
    return new Promise((resolve, reject) => {
      const client = new Client();
      let presented: string | undefined;
      // A connection that drops after it was ready is forgotten, so the next request dials again.
      const drop = () => {
        if (this.current === client) {
          this.current = undefined;
          this.connection = undefined;
        }
      };
      client.once("ready", () => {
        this.current = client;
        this.lastError = undefined;
        resolve(client);
      });
      client.on("error", (error) => {
        this.lastError =
          presented && presented !== target.hostKeyFingerprint
            ? `ssh: the host presented key ${presented}, not the registered ${target.hostKeyFingerprint}`
            : describe(error);
        drop();
        reject(error);
      });
      client.on("close", () => {
        drop();
        reject(new Error("the SSH connection closed"));
      });
      client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        privateKey: target.privateKey,
        ...(target.passphrase ? { passphrase: target.passphrase } : {}),
        readyTimeout: target.readyTimeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          presented = sshFingerprint(key);
          return presented === target.hostKeyFingerprint;
        },
      });
    });
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `ssh: ${message.replace(/\p{Cc}+/gu, " ").slice(0, 300)}`;
}
