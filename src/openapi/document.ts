import { createRequire } from "node:module";
import type { App } from "../env.js";

type PackageJson = { version: string; license: string; description: string };

/** The OpenAPI 3.1 document, generated from the route definitions registered on `app`. */
export function buildOpenApiDocument(app: App) {
  // Read at call time, not import time: importing the app must not touch the filesystem.
  const pkg = createRequire(import.meta.url)("../../package.json") as PackageJson;
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "portcall",
      version: pkg.version,
      description: pkg.description,
      license: { name: pkg.license, url: "https://www.apache.org/licenses/LICENSE-2.0" },
    },
    servers: [{ url: "http://127.0.0.1:8080", description: "A local portcall with the default settings" }],
    tags: [
      { name: "Health", description: "Probes for orchestrators and load balancers." },
      { name: "Hosts", description: "The registry of Docker hosts portcall can reach." },
      {
        name: "Runs",
        description: "`docker run` as one call on any host: pull if missing, run, wait, keep the result.",
      },
      { name: "Containers", description: "Containers on one registered Docker host." },
      { name: "Fleet", description: "Every host the token may use at once: lists and one event stream." },
      {
        name: "Tokens",
        description: "Bearer tokens: minting narrower ones, listing, revoking, and the public keys.",
      },
      { name: "Audit", description: "Who did what, where, and every refusal." },
    ],
  });
}
