import { createApp } from "../../src/app.js";
import type { DockerHost } from "../../src/docker/docker-host.js";
import type { Services } from "../../src/env.js";
import { StaticHostRegistry } from "../../src/hosts/host-registry.js";
import { silentLogger } from "../../src/logging/logger.js";

type TestServiceOverrides = Omit<Partial<Services>, "hosts"> & { hosts?: DockerHost[] };

export function testServices(overrides: TestServiceOverrides = {}): Services {
  const { hosts = [], ...rest } = overrides;
  return { hosts: new StaticHostRegistry(hosts), logger: silentLogger, checkStore: async () => {}, ...rest };
}

/** The real app, in process, over the given hosts; call it with `app.request()`. */
export function testApp(overrides: TestServiceOverrides = {}) {
  return createApp(testServices(overrides));
}
