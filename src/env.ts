import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HostRegistry } from "./hosts/host-registry.js";
import type { Logger } from "./logging/logger.js";
import type { Store } from "./store/database.js";

/** What every handler can reach; built once by the entry point (or a test) and handed to `createApp`. */
export type Services = {
  hosts: HostRegistry;
  logger: Logger;
  store: Store;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    services: Services;
  };
};

export type App = OpenAPIHono<AppEnv>;
