import { createRequire } from "node:module";
import type { App } from "../env.js";

/** npm's "person" shape; the spec's contact object has the same fields. */
type Person = { name: string; email?: string; url?: string };
type PackageJson = { version: string; license: string; description: string; author: Person };

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
      // From package.json, so the spec can never disagree with the package about either. (`license` is an
      // SPDX id; the document's types have no `identifier` yet, so the id's SPDX page is the url.)
      contact: pkg.author,
      license: { name: pkg.license, url: `https://spdx.org/licenses/${pkg.license}.html` },
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
      { name: "Images", description: "Images on one host: pull, build, push, tag, inspect and remove." },
      { name: "Volumes", description: "Volumes on one host." },
      { name: "Networks", description: "Networks on one host, and the containers attached to them." },
      {
        name: "Services",
        description:
          "Swarm services on a host that is a Swarm manager: replicas, rolling updates and rollbacks, tasks, logs, nodes.",
      },
      {
        name: "Registries",
        description: "Stored registry credentials, used by pulls and pushes that bring none of their own.",
      },
      { name: "Fleet", description: "Every host the token may use at once: lists and one event stream." },
      {
        name: "Tokens",
        description: "Bearer tokens: minting narrower ones, listing, revoking, and the public keys.",
      },
      { name: "Audit", description: "Who did what, where, and every refusal." },
    ],
  });
}
