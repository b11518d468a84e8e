import { createPrivateKey, X509Certificate } from "node:crypto";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { isIP } from "node:net";
import { normalize } from "node:path";
import type { Connection } from "../docker/connection.js";
import { sshFingerprint } from "../docker/ssh-tunnel.js";
import { ApiError, type FieldError } from "../errors/api-error.js";
import { isLoopback } from "../net/loopback.js";

/** Connection settings that may be stored and shown: no private keys or passphrases. */
export type StoredConnection =
  | { transport: "unix"; socketPath: string }
  | {
      transport: "tcp";
      host: string;
      port: number;
      insecure: boolean;
      tls: { ca: string; cert: string } | null;
    }
  | { transport: "ssh"; host: string; port: number; username: string; hostKeyFingerprint: string };

/** The secret half, kept only encrypted at rest and in memory while a client is built. */
export type ConnectionSecrets = { tlsKey?: string; sshPrivateKey?: string; sshPassphrase?: string };

export type ConnectionInput = {
  url: string;
  tls?: { ca: string; cert: string; key: string } | undefined;
  ssh?:
    | {
        privateKey: string;
        passphrase?: string | undefined;
        hostKey?: string | undefined;
        hostKeyFingerprint?: string | undefined;
      }
    | undefined;
  insecure?: boolean | undefined;
};

export type ResolvedConnection = { url: string; stored: StoredConnection; secrets: ConnectionSecrets | null };

class Problems {
  readonly list: FieldError[] = [];
  add(path: string, message: string): void {
    this.list.push({ location: "json", path, message });
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const summary = this.list.map((p) => `${p.path}: ${p.message}`).join("; ");
    throw new ApiError("invalid_request", `The host cannot be registered: ${summary}`, { errors: this.list });
  }
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function validHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return isIP(bare) !== 0 || HOSTNAME.test(bare);
}

function parseUrl(raw: string, problems: Problems): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.add("url", "must be unix:///path, tcp://host:port or ssh://user@host:port");
    return undefined;
  }
  if (!["unix:", "tcp:", "ssh:"].includes(url.protocol)) {
    problems.add("url", `scheme ${url.protocol.slice(0, -1)} is not supported: use unix, tcp or ssh`);
    return undefined;
  }
  if (url.search || url.hash) problems.add("url", "must not have a query or fragment");
  return url;
}

async function checkSocket(path: string, problems: Problems): Promise<void> {
  try {
    if (!(await stat(path)).isSocket()) {
      problems.add("url", `${path} is not a socket`);
      return;
    }
    await access(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.add(
      "url",
      code === "ENOENT" ? `there is no socket at ${path}` : `portcall cannot read and write ${path}`,
    );
  }
}

function certificates(text: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function checkTls(tls: NonNullable<ConnectionInput["tls"]>, problems: Problems): void {
  let cert: X509Certificate | undefined;
  try {
    if (certificates(tls.ca).length === 0) problems.add("tls.ca", "is not a PEM certificate");
  } catch {
    problems.add("tls.ca", "is not a valid PEM certificate");
  }
  try {
    cert = certificates(tls.cert)[0];
    if (!cert) problems.add("tls.cert", "is not a PEM certificate");
  } catch {
    problems.add("tls.cert", "is not a valid PEM certificate");
  }
  try {
    const key = createPrivateKey(tls.key);
    if (cert && !cert.checkPrivateKey(key)) problems.add("tls.key", "does not belong to tls.cert");
  } catch {
    // Never echo the key or the parser's view of it.
    problems.add("tls.key", "is not a valid PEM private key");
  }
}

async function checkSsh(
  ssh: NonNullable<ConnectionInput["ssh"]>,
  problems: Problems,
): Promise<string | undefined> {
  // ssh2 is loaded by the first SSH host registered, not by every start.
  const { default: ssh2 } = await import("ssh2");
  const parsed = ssh2.utils.parseKey(ssh.privateKey, ssh.passphrase);
  if (
    parsed instanceof Error ||
    (Array.isArray(parsed) ? !parsed[0]?.isPrivateKey() : !parsed.isPrivateKey())
  ) {
    problems.add("ssh.privateKey", "is not a usable SSH private key (or the passphrase is wrong)");
  }
  let fromKey: string | undefined;
  if (ssh.hostKey) {
    const hostKey = ssh2.utils.parseKey(ssh.hostKey.trim());
    const first = Array.isArray(hostKey) ? hostKey[0] : hostKey;
    if (!first || first instanceof Error) problems.add("ssh.hostKey", "is not an SSH public key line");
    else fromKey = sshFingerprint(first.getPublicSSH());
  }
  if (fromKey && ssh.hostKeyFingerprint && fromKey !== ssh.hostKeyFingerprint) {
    problems.add("ssh.hostKeyFingerprint", "does not match ssh.hostKey");
  }
  const fingerprint = fromKey ?? ssh.hostKeyFingerprint;
  if (!fingerprint && !ssh.hostKey) problems.add("ssh", "needs hostKey or hostKeyFingerprint");
  return fingerprint;
}

/**
 * Checks a host's URL and transport settings and splits them into what may be stored in clear and what
 * must be encrypted. Every problem is reported at once, by field; nothing secret appears in a message.
 * `authorize` sees the parsed, normalised connection before the file system is looked at (a socket's
 * existence is nobody's business who may not register it).
 */
export async function resolveConnection(
  input: ConnectionInput,
  authorize: (stored: StoredConnection) => void = () => {},
): Promise<ResolvedConnection> {
  const problems = new Problems();
  const url = parseUrl(input.url, problems);
  problems.throwIfAny();
  if (!url) throw new Error("unreachable: parseUrl reported no problem and no URL");
  const transport = url.protocol.slice(0, -1) as StoredConnection["transport"];

  if (input.tls && transport !== "tcp") problems.add("tls", "applies to tcp:// hosts only");
  if (input.ssh && transport !== "ssh") problems.add("ssh", "applies to ssh:// hosts only");
  if (input.insecure && transport !== "tcp") problems.add("insecure", "applies to tcp:// hosts only");

  if (transport === "unix") {
    if (url.host || url.username) problems.add("url", "must be unix:///absolute/path (three slashes)");
    const socketPath = normalize(decodeURIComponent(url.pathname));
    if (socketPath !== decodeURIComponent(url.pathname)) problems.add("url", "must be a normalised path");
    problems.throwIfAny();
    const stored: StoredConnection = { transport, socketPath };
    authorize(stored);
    await checkSocket(socketPath, problems);
    problems.throwIfAny();
    return { url: `unix://${socketPath}`, stored, secrets: null };
  }

  // Host names are case-insensitive: stored, compared and checked in one spelling.
  const host = url.hostname.toLowerCase();
  const port = Number(url.port || (transport === "ssh" ? 22 : Number.NaN));
  if (!validHost(host)) problems.add("url", "has no valid host name or address");
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    problems.add("url", "needs a port (tcp://host:2376)");
  if (url.pathname && url.pathname !== "/") problems.add("url", "must not have a path");

  if (transport === "tcp") {
    if (url.username || url.password) problems.add("url", "must not carry credentials");
    if (input.tls) checkTls(input.tls, problems);
    else if (!input.insecure)
      problems.add("tls", "is required for tcp:// (or insecure: true on a loopback address)");
    else if (!isLoopback(host)) problems.add("insecure", "is only allowed for a loopback address: use TLS");
    problems.throwIfAny();
    const stored: StoredConnection = {
      transport,
      host: host.replace(/^\[|\]$/g, ""),
      port,
      insecure: !input.tls,
      tls: input.tls ? { ca: input.tls.ca, cert: input.tls.cert } : null,
    };
    authorize(stored);
    return { url: `tcp://${url.host}`, stored, secrets: input.tls ? { tlsKey: input.tls.key } : null };
  }

  if (url.password) problems.add("url", "must not carry a password: give ssh.privateKey");
  if (!url.username) problems.add("url", "needs a user (ssh://user@host:port)");
  if (!input.ssh)
    problems.add("ssh", "is required for ssh:// (privateKey and hostKey or hostKeyFingerprint)");
  const fingerprint = input.ssh ? await checkSsh(input.ssh, problems) : undefined;
  problems.throwIfAny();
  if (!input.ssh || !fingerprint) throw new Error("unreachable: ssh settings were checked above");
  const stored: StoredConnection = {
    transport,
    host: host.replace(/^\[|\]$/g, ""),
    port,
    username: decodeURIComponent(url.username),
    hostKeyFingerprint: fingerprint,
  };
  authorize(stored);
  return {
    url: `ssh://${url.username}@${url.host.includes(":") ? url.host : `${url.host}:${port}`}`,
    stored,
    secrets: {
      sshPrivateKey: input.ssh.privateKey,
      ...(input.ssh.passphrase ? { sshPassphrase: input.ssh.passphrase } : {}),
    },
  };
}

/** The full connection, secrets included, for building a client; never stored or returned. */
export function toConnection(stored: StoredConnection, secrets: ConnectionSecrets | null): Connection {
  switch (stored.transport) {
    case "unix":
      return stored;
    case "tcp":
      return {
        transport: "tcp",
        host: stored.host,
        port: stored.port,
        tls: stored.tls ? { ...stored.tls, key: secrets?.tlsKey ?? "" } : null,
      };
    case "ssh":
      return {
        transport: "ssh",
        host: stored.host,
        port: stored.port,
        username: stored.username,
        privateKey: secrets?.sshPrivateKey ?? "",
        passphrase: secrets?.sshPassphrase,
        hostKeyFingerprint: stored.hostKeyFingerprint,
      };
  }
}

/** The settings a stored host was made with, secrets included, so an update can change only part of them. */
export function toInput(
  url: string,
  stored: StoredConnection,
  secrets: ConnectionSecrets | null,
): ConnectionInput {
  switch (stored.transport) {
    case "unix":
      return { url };
    case "tcp":
      return {
        url,
        insecure: stored.insecure,
        tls: stored.tls ? { ...stored.tls, key: secrets?.tlsKey ?? "" } : undefined,
      };
    case "ssh":
      return {
        url,
        ssh: {
          privateKey: secrets?.sshPrivateKey ?? "",
          passphrase: secrets?.sshPassphrase,
          hostKeyFingerprint: stored.hostKeyFingerprint,
        },
      };
  }
}
