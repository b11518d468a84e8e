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
    for (const record of await this.repository.list()) this.records.set(record.id, record);
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
    const connectionChanged = ["url", "tls", "ssh", "insecure"].some((key) => key in patch);
    // The name is what people pick a host by: renaming another's host would pass one host off as another.
    if (patch.name !== undefined && patch.name !== current.name) this.checkOwnedBy(actor, current, "rename");
    if (connectionChanged) {
      const base = toInput(current.url, current.stored, await this.unseal(current.sealedSecrets));
      const nextUrl = patch.url ?? current.url;
      const sameTransport = nextUrl.split(":")[0] === current.url.split(":")[0];
      this.checkOwnedBy(actor, current, "change the connection of");
      const resolved = await this.resolveFor(actor, {
        url: nextUrl,
        tls: patch.tls ?? (sameTransport ? base.tls : undefined),
        ssh: patch.ssh ?? (sameTransport ? base.ssh : undefined),
        insecure: patch.insecure ?? (sameTransport ? base.insecure : undefined),
      });
      ({ url, stored } = resolved);
      owner = actor.kind === "token" ? actor.subject : null;
      sealedSecrets = await this.seal(resolved.secrets);
    }
    const record: HostRecord = {
      ...current,
      name: patch.name ?? current.name,
      labels: patch.labels ?? current.labels,
      url,
      stored,
      sealedSecrets,
      owner,
      updatedAt: new Date().toISOString(),
    };
    // Removed while this update awaited: do not bring it back.
    if (this.records.get(id) !== current)
      throw new ApiError("host_not_found", `Host "${id}" is not registered.`);
    await this.repository.update(record);
    this.records.set(id, record);
    if (connectionChanged) await this.dropClient(id);
    this.logger.info("host updated", { host: id, connectionChanged });
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
