// Writes openapi/openapi.json from the route definitions; a test fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createApp } from "../src/app.js";
import { StaticHostRegistry } from "../src/hosts/host-registry.js";
import { silentLogger } from "../src/logging/logger.js";
import { buildOpenApiDocument } from "../src/openapi/document.js";

export function renderOpenApi(): string {
  const app = createApp({
    hosts: new StaticHostRegistry([]),
    logger: silentLogger,
    checkStore: async () => {},
  });
  return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith("generate-openapi.ts")) {
  const target = resolve(import.meta.dirname, "../openapi/openapi.json");
  writeFileSync(target, renderOpenApi());
  process.stdout.write(`wrote ${target}\n`);
}
