import { registryOf } from "../docker/image-reference.js";
import { ApiError } from "../errors/api-error.js";
import type { HostRecord } from "../hosts/host-record.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { RegistryStore, RegistrySummary } from "../store/ports/registries.js";

export type RegistryCredential = { username: string; password: string };

/**
 * Credentials per registry, stored with the password sealed like host secrets and never returned: pulls,
 * pushes and builds that bring none of their own use these.
 */
export class RegistryCredentials {
  constructor(
    private readonly store: RegistryStore,
    private readonly secrets: SecretBox,
  ) {}

  async put(
    address: string,
    credential: RegistryCredential,
  ): Promise<{ summary: RegistrySummary; created: boolean }> {
    const now = new Date().toISOString();
    const secret = await this.secrets.seal({ password: credential.password });
    return this.store.put({ address, username: credential.username, secret, createdAt: now, updatedAt: now });
  }

  list(): Promise<RegistrySummary[]> {
    return this.store.list();
  }

  async remove(address: string): Promise<void> {
    if (!(await this.store.remove(address)))
      throw new ApiError("registry_not_found", `No credentials are stored for ${address}.`);
  }

  /**
   * The credential for an image on a host: the caller's own when given, else the stored one for its registry,
   * if any — but only for a host whose connection an operator set. The daemon receives the password in clear
   * (X-Registry-Auth), so a host a token pointed portcall at could be that token's own listener.
   */
  async forImage(
    image: string,
    given: RegistryCredential | undefined,
    host: Pick<HostRecord, "owner">,
  ): Promise<RegistryCredential | undefined> {
    if (given) return given;
    if (host.owner !== null) return undefined;
    const row = await this.store.get(registryOf(image));
    if (!row) return undefined;
    const { password } = await this.secrets.unseal<{ password: string }>(row.secret);
    return { username: row.username, password };
  }
}
