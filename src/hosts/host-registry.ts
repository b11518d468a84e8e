import { DockerHost, type HostHealth, UNKNOWN_HEALTH } from "../docker/docker-host.js";
import { ApiError } from "../errors/api-error.js";
import type { Logger } from "../logging/logger.js";
import type { HostCreate, HostUpdate } from "../schemas/host.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { HostStore } from "../store/ports/hosts.js";
import { checkTokenConnection, type HostActor, type HostAllowList, OPERATOR } from "./connection-policy.js";
import {
  type ConnectionSecrets,
  type ResolvedConnection,
  resolveConnection,
  toConnection,
  toInput,
} from "./host-connection.js";
import type { HostRecord } from "./host-record.js";

/** What a host's client is built from: when it changes, the client must be built again. */
const connectionKey = (record: HostRecord) =>
  JSON.stringify([record.url, record.stored, record.sealedSecrets, record.owner, record.createdAt]);

/** Now, or just after `previous`: a change always moves `updatedAt`, which guards the next change. */
function laterThan(previous: string): string {
  const now = Date.now();
  const before = Date.parse(previous);
  return new Date(Number.isNaN(before) || now > before ? now : before + 1).toISOString();
}

const hostExists = (id: string) => new ApiError("host_exists", `Host "${id}" is already registered.`);

export type HostRegistryOptions = {
  callTimeoutMs: number;
  /** Deadline of one health probe. */
  probeTimeoutMs: number;
  failureThreshold: number;
  retryIntervalMs: number;
  /** What non-admin tokens may register (PORTCALL_HOST_ALLOW); undefined for the default deny list. */
  tokenHostAllow?: HostAllowList | undefined;
};

/**
 * The registered hosts: durable in the store, held in memory for routing, each with one lazily built
 * client that is rebuilt when the host changes. Every per-host route resolves its host here.
 */
export class HostRegistry {
  private readonly records = new Map<string, HostRecord>();
  private readonly clients = new Map<string, Promise<DockerHost>>();
  private probeTimer: NodeJS.Timeout | undefined;
  private followTimer: NodeJS.Timeout | undefined;
  /** The store's hosts fingerprint this copy was read at. */
  private readAt: string | undefined;
  private refreshing: Promise<boolean> | undefined;
  private probing: Promise<void> | undefined;
  /** Settles once every host was probed at least once (readiness waits on it). */
  firstProbe: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: HostStore,
    private readonly secrets: SecretBox,
    private readonly options: HostRegistryOptions,
    private readonly logger: Logger,
  ) {}

  async load(): Promise<void> {
    await this.refresh();
  }

  /**
   * Brings this copy of the hosts up to date with the store when anything changed there, by this process, the
   * CLI or another replica: a cheap fingerprint read, and the hosts read again only when it moved. A host whose
   * connection changed gets a new client; one removed loses its client. True when something changed.
   */
  refresh(): Promise<boolean> {
    // One at a time: an older read finishing after a newer one would bring back what the newer one dropped.
    this.refreshing ??= this.readAgain().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readAgain(): Promise<boolean> {
    const fingerprint = await this.repository.fingerprint();
    if (fingerprint === this.readAt) return false;
    const stored = await this.repository.list();
    const seen = new Set<string>();
    for (const record of stored) {
      seen.add(record.id);
      const current = this.records.get(record.id);
      // Unchanged records keep their object: an update in flight compares against it.
      if (current && JSON.stringify(current) === JSON.stringify(record)) continue;
      this.records.set(record.id, record);
      if (current && connectionKey(current) !== connectionKey(record)) await this.dropClient(record.id);
    }
    for (const id of [...this.records.keys()]) {
      if (seen.has(id)) continue;
      this.records.delete(id);
      await this.dropClient(id);
    }
    this.readAt = fingerprint;
    return true;
  }

  /**
   * Refreshes every `intervalMs`: a version check rather than notifications, because it works the same on
   * SQLite (the CLI writes the file), on PostgreSQL and in a function, and costs one indexed read.
   */
  startFollowing(intervalMs: number): void {
    this.followTimer = setInterval(() => {
      this.refresh().catch((error: unknown) => {
        this.logger.warn("hosts could not be read again", { error: String(error) });
      });
    }, intervalMs);
    this.followTimer.unref();
  }

  list(): HostRecord[] {
    return [...this.records.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  find(id: string): HostRecord | undefined {
    return this.records.get(id);
  }

  record(id: string): HostRecord {
    const record = this.records.get(id);
    if (!record) throw new ApiError("host_not_found", `Host "${id}" is not registered.`);
    return record;
  }

  /** The client of a host, built on first use. */
  get(id: string): Promise<DockerHost> {
    const record = this.record(id);
    let client = this.clients.get(id);
    if (!client) {
      client = this.build(record);
      this.clients.set(id, client);
      // A failed build is not cached: the next call tries again.
      client.catch(() => {
        if (this.clients.get(id) === client) this.clients.delete(id);
      });
    }
    return client;
  }

  async health(id: string): Promise<HostHealth> {
    const client = this.clients.get(id);
    if (!client) return UNKNOWN_HEALTH;
    return client.then((host) => host.status()).catch(() => UNKNOWN_HEALTH);
  }

  async create(
    input: HostCreate,
    source: HostRecord["source"] = "api",
    actor: HostActor = OPERATOR,
  ): Promise<HostRecord> {
    if (this.records.has(input.id)) throw hostExists(input.id);
    const resolved = await this.resolveFor(actor, input);
    const now = new Date().toISOString();
    const record: HostRecord = {
      id: input.id,
      name: input.name ?? input.id,
      labels: input.labels ?? {},
      url: resolved.url,
      stored: resolved.stored,
      sealedSecrets: await this.seal(resolved.secrets),
      source,
      owner: actor.kind === "token" ? actor.subject : null,
      createdAt: now,
      updatedAt: now,
    };
    // Registered meanwhile: by a request this one overlapped, or by another process over the same store.
    if (!(await this.repository.insert(record))) throw hostExists(record.id);
    this.records.set(record.id, record);
    this.logger.info("host registered", { host: record.id, transport: record.stored.transport, source });
    return record;
  }

  async update(
    id: string,
    patch: HostUpdate,
    options: { allowFileHosts?: boolean; actor?: HostActor } = {},
  ): Promise<HostRecord> {
    const current = this.writable(id, options);
    const actor = options.actor ?? OPERATOR;
    let { url, stored, sealedSecrets, owner } = current;
    let reconnect = false;
    // The name is what people pick a host by: renaming another's host would pass one host off as another.
    if (patch.name !== undefined && patch.name !== current.name) this.checkOwnedBy(actor, current, "rename");
    if (["url", "tls", "ssh", "insecure"].some((key) => key in patch)) {
      const secrets = await this.unseal(current.sealedSecrets);
      const base = toInput(current.url, current.stored, secrets);
      const nextUrl = patch.url ?? current.url;
      const sameTransport = nextUrl.split(":")[0] === current.url.split(":")[0];
      this.checkOwnedBy(actor, current, "change the connection of");
      const resolved = await this.resolveFor(actor, {
        url: nextUrl,
        tls: patch.tls ?? (sameTransport ? base.tls : undefined),
        ssh: patch.ssh ?? (sameTransport ? base.ssh : undefined),
        insecure: patch.insecure ?? (sameTransport ? base.insecure : undefined),
      });
      const nextOwner = actor.kind === "token" ? actor.subject : null;
      // The same connection given again (a hosts file read at every start) is no change: no new client, no
      // new seal, nothing for other instances to reconnect for.
      reconnect =
        JSON.stringify([resolved.url, resolved.stored, resolved.secrets, nextOwner]) !==
        JSON.stringify([current.url, current.stored, secrets, current.owner]);
      if (reconnect) {
        ({ url, stored } = resolved);
        owner = nextOwner;
        sealedSecrets = await this.seal(resolved.secrets);
      }
    }
    const name = patch.name ?? current.name;
    const labels = patch.labels ?? current.labels;
    if (!reconnect && name === current.name && JSON.stringify(labels) === JSON.stringify(current.labels)) {
      return current;
    }
    const record: HostRecord = {
      ...current,
      name,
      labels,
      url,
      stored,
      sealedSecrets,
      owner,
      updatedAt: laterThan(current.updatedAt),
    };
    // Changed or removed meanwhile, by this process or another: the change was made against what is no more.
    if (this.records.get(id) !== current || !(await this.repository.update(record, current.updatedAt))) {
      await this.refresh();
      throw new ApiError(
        this.records.has(id) ? "conflict" : "host_not_found",
        this.records.has(id)
          ? `Host "${id}" was changed by another request meanwhile; read it again and retry.`
          : `Host "${id}" is not registered.`,
      );
    }
    this.records.set(id, record);
    if (reconnect) await this.dropClient(id);
    this.logger.info("host updated", { host: id, connectionChanged: reconnect });
    return record;
  }

  async remove(id: string, options: { allowFileHosts?: boolean; actor?: HostActor } = {}): Promise<void> {
    // Removing another's host would free its id for a daemon of the caller's, under which that host's users
    // would then send their work.
    this.checkOwnedBy(options.actor ?? OPERATOR, this.writable(id, options), "remove");
    await this.repository.delete(id);
    this.records.delete(id);
    await this.dropClient(id);
    this.logger.info("host removed", { host: id });
  }

  /** Probes every host now and then every `intervalMs`; a probe round never overlaps the previous one. */
  startProbing(intervalMs: number): void {
    this.firstProbe = this.probeAll();
    this.probeTimer = setInterval(() => {
      void this.probeAll();
    }, intervalMs);
    this.probeTimer.unref();
  }

  probeAll(): Promise<void> {
    this.probing ??= Promise.all(
      this.list().map(async (record) => {
        try {
          const host = await this.get(record.id);
          const before = host.status().reachable;
          const after = await host.probe({ timeoutMs: this.options.probeTimeoutMs });
          if (before !== after.reachable) {
            this.logger.info(after.reachable ? "host reachable" : "host unreachable", {
              host: record.id,
              error: after.error,
            });
          }
        } catch (error) {
          this.logger.warn("host client could not be built", { host: record.id, error: String(error) });
        }
      }),
    ).then(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  async close(): Promise<void> {
    clearInterval(this.probeTimer);
    clearInterval(this.followTimer);
    await Promise.all([...this.clients.keys()].map((id) => this.dropClient(id)));
  }

  /** Checks the merged connection against what the actor may reach, before anything is dialled or opened. */
  private resolveFor(
    actor: HostActor,
    input: Parameters<typeof resolveConnection>[0],
  ): Promise<ResolvedConnection> {
    return resolveConnection(input, (stored) => {
      if (actor.kind === "token") checkTokenConnection(stored, this.options.tokenHostAllow);
    });
  }

  private checkOwnedBy(actor: HostActor, record: HostRecord, what: string): void {
    if (actor.kind === "token" && record.owner !== actor.subject) {
      throw new ApiError(
        "forbidden",
        `Only an admin, or the subject that registered it, may ${what} host "${record.id}".`,
      );
    }
  }

  private writable(id: string, options: { allowFileHosts?: boolean }): HostRecord {
    const record = this.record(id);
    if (record.source === "file" && !options.allowFileHosts) {
      throw new ApiError(
        "host_read_only",
        `Host "${id}" comes from the hosts file (PORTCALL_HOSTS_FILE); change it there and restart portcall.`,
      );
    }
    return record;
  }

  private async build(record: HostRecord): Promise<DockerHost> {
    const connection = toConnection(record.stored, await this.unseal(record.sealedSecrets));
    return DockerHost.connect({
      id: record.id,
      connection,
      callTimeoutMs: this.options.callTimeoutMs,
      failureThreshold: this.options.failureThreshold,
      retryIntervalMs: this.options.retryIntervalMs,
      opaqueFaults: record.owner !== null,
    });
  }

  private async dropClient(id: string): Promise<void> {
    const client = this.clients.get(id);
    this.clients.delete(id);
    await client?.then((host) => host.close()).catch(() => {});
  }

  private seal(secrets: ConnectionSecrets | null): Promise<string | null> {
    return secrets ? this.secrets.seal(secrets) : Promise.resolve(null);
  }

  private unseal(sealed: string | null): Promise<ConnectionSecrets | null> {
    return sealed ? this.secrets.unseal<ConnectionSecrets>(sealed) : Promise.resolve(null);
  }
}
