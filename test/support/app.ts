import { randomBytes } from "node:crypto";
import { createApp } from "../../src/app.js";
import type { OidcVerifier } from "../../src/auth/oidc.js";
import type { Scope } from "../../src/auth/scopes.js";
import { generateSigningKey, type SigningKey } from "../../src/auth/signing-key.js";
import type { TokenServiceOptions } from "../../src/auth/token-service.js";
import type { Services } from "../../src/env.js";
import type { HostRegistryOptions } from "../../src/hosts/host-registry.js";
import type { ConcurrencyLimits } from "../../src/limits/concurrency-limiter.js";
import { type Logger, silentLogger } from "../../src/logging/logger.js";
import type { HostCreate } from "../../src/schemas/host.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { assembleServices } from "../../src/services.js";
import { openStore } from "../../src/store/open-store.js";

export type TestAppOptions = {
  /** Registered through the registry, so they go through the same checks as POST /v1/hosts. */
  hosts?: HostCreate[];
  logger?: Logger;
  registry?: Partial<HostRegistryOptions>;
  tokens?: Partial<TokenServiceOptions>;
  oidc?: OidcVerifier;
  signingKey?: SigningKey;
  limits?: Partial<ConcurrencyLimits>;
};

export const TEST_TOKEN_OPTIONS: TokenServiceOptions = {
  issuer: "portcall",
  audience: "portcall",
  maxTtlSeconds: 90 * 86_400,
};

/** Real services over an in-memory store, a throwaway secret key and a throwaway signing key. */
export async function testServices(options: TestAppOptions = {}): Promise<Services> {
  const services = assembleServices({
    store: await openStore(":memory:"),
    secrets: SecretBox.fromKey(randomBytes(32)),
    signingKey: options.signingKey ?? (await generateSigningKey()),
    logger: options.logger ?? silentLogger,
    hostOptions: {
      callTimeoutMs: 10_000,
      probeTimeoutMs: 2_000,
      failureThreshold: 3,
      retryIntervalMs: 5_000,
      ...options.registry,
    },
    tokenOptions: { ...TEST_TOKEN_OPTIONS, ...options.tokens },
    oidc: options.oidc,
    containerDefaults: { memoryBytes: 256 * 1024 * 1024, pids: 512 },
    buildLimits: { memoryBytes: 512 * 1024 * 1024, cpus: 1 },
    limits: { runs: 20, exec: 10, streams: 20, ...options.limits },
    runMaxWaitSeconds: 120,
  });
  for (const host of options.hosts ?? []) await services.hosts.create(host);
  return services;
}

export type TestApp = {
  /** `app.request`, with an admin token unless the request carries its own Authorization header. */
  request(path: string, init?: RequestInit): Promise<Response>;
  services: Services;
  adminToken: string;
  /** Mints a token for the given scopes and host grants, as the CLI would. */
  token(scopes: Scope[], hosts?: string[]): Promise<string>;
};

/** The real app, in process, over real services; requests go through `app.request()`. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  return appOver(await testServices(options));
}

export async function appOver(services: Services): Promise<TestApp> {
  const app = createApp(services);
  const token = async (scopes: Scope[], hosts: string[] = ["*"]) =>
    (await services.tokens.mint("cli", { name: "test", scopes, hosts, ttlSeconds: 3600 })).token;
  const adminToken = await token(["admin"]);
  return {
    services,
    adminToken,
    token,
    request: async (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${adminToken}`);
      return app.request(path, { ...init, headers });
    },
  };
}
