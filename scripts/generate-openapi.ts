// Writes openapi/openapi.json from the route definitions; a test fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createApp } from "../src/app.js";
import type { Services } from "../src/env.js";
import { buildOpenApiDocument } from "../src/openapi/document.js";

export function renderOpenApi(): string {
  // The document comes from the route definitions alone; this app never serves a request.
  const app = createApp({} as Services);
  return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith("generate-openapi.ts")) {
  const target = resolve(import.meta.dirname, "../openapi/openapi.json");
  writeFileSync(target, renderOpenApi());
  process.stdout.write(`wrote ${target}\n`);
}
