import type { Kysely } from "kysely";
import { registryOf } from "../docker/image-reference.js";
import { ApiError } from "../errors/api-error.js";
import type { HostRecord } from "../hosts/host-record.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { StoreSchema } from "../store/schema.js";

export type RegistryCredential = { username: string; password: string };
export type RegistrySummary = { address: string; username: string; createdAt: string; updatedAt: string };

/**
 * Credentials per registry, stored with the password sealed like host secrets and never returned: pulls,
 * pushes and builds that bring none of their own use these.
 */
export class RegistryCredentials {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly secrets: SecretBox,
  ) {}

  async put(
    address: string,
    credential: RegistryCredential,
  ): Promise<{ summary: RegistrySummary; created: boolean }> {
    const now = new Date().toISOString();
    const secret = await this.secrets.seal({ password: credential.password });
    const existing = await this.db
      .selectFrom("registries")
      .select("created_at")
      .where("address", "=", address)
      .executeTakeFirst();
    await this.db
      .insertInto("registries")
      .values({ address, username: credential.username, secret, created_at: now, updated_at: now })
      .onConflict((oc) =>
        oc.column("address").doUpdateSet({ username: credential.username, secret, updated_at: now }),
      )
      .execute();
    return {
      summary: {
        address,
        username: credential.username,
        createdAt: existing?.created_at ?? now,
        updatedAt: now,
      },
      created: !existing,
    };
  }

  async list(): Promise<RegistrySummary[]> {
    const rows = await this.db
      .selectFrom("registries")
      .select(["address", "username", "created_at", "updated_at"])
      .orderBy("address")
      .execute();
    return rows.map((row) => ({
      address: row.address,
      username: row.username,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  async remove(address: string): Promise<void> {
    const result = await this.db.deleteFrom("registries").where("address", "=", address).executeTakeFirst();
    if (result.numDeletedRows === 0n)
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
    const row = await this.db
      .selectFrom("registries")
      .select(["username", "secret"])
      .where("address", "=", registryOf(image))
      .executeTakeFirst();
    if (!row) return undefined;
    const { password } = await this.secrets.unseal<{ password: string }>(row.secret);
    return { username: row.username, password };
  }
}
