/** What may be shown of a registry's credentials: never the password. */
export type RegistrySummary = { address: string; username: string; createdAt: string; updatedAt: string };

/** The credentials as stored: the password sealed (JWE) by the caller. */
export type SealedRegistry = RegistrySummary & { secret: string };

/** Credentials per registry address (`host[:port]` as it appears at the front of an image reference). */
export interface RegistryStore {
  /**
   * Stores the credentials, or replaces those of the address while keeping when they were first stored
   * (`createdAt` of the argument is used only for new ones). `created` says which.
   */
  put(entry: SealedRegistry): Promise<{ summary: RegistrySummary; created: boolean }>;
  get(address: string): Promise<SealedRegistry | undefined>;
  /** Ordered by address. */
  list(): Promise<RegistrySummary[]>;
  /** False when none were stored for the address. */
  remove(address: string): Promise<boolean>;
}
