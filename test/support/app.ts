import { randomBytes } from "node:crypto";
import { createApp } from "../../src/app.js";
import type { Services } from "../../src/env.js";
import { HostRegistry, type HostRegistryOptions } from "../../src/hosts/host-registry.js";
import { HostRepository } from "../../src/hosts/host-repository.js";
import { type Logger, silentLogger } from "../../src/logging/logger.js";
import type { HostCreate } from "../../src/schemas/host.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { openStore } from "../../src/store/database.js";

export type TestAppOptions = {
  /** Registered through the registry, so they go through the same checks as POST /v1/hosts. */
  hosts?: HostCreate[];
  logger?: Logger;
  registry?: Partial<HostRegistryOptions>;
};

/** Real services over an in-memory store and a throwaway secret key. */
export async function testServices(options: TestAppOptions = {}): Promise<Services> {
  const store = await openStore(":memory:");
  const logger = options.logger ?? silentLogger;
  const hosts = new HostRegistry(
    new HostRepository(store.db),
    SecretBox.fromKey(randomBytes(32)),
    {
      callTimeoutMs: 10_000,
      probeTimeoutMs: 2_000,
      failureThreshold: 3,
      retryIntervalMs: 5_000,
      ...options.registry,
    },
    logger,
  );
  for (const host of options.hosts ?? []) await hosts.create(host);
  return { hosts, logger, store };
}

/** The real app, in process; call it with `app.request()`. */
export async function testApp(options: TestAppOptions = {}) {
  return createApp(await testServices(options));
}
