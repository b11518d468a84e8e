import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

type Asset = { type: string; load: () => Promise<Uint8Array<ArrayBuffer>> };

// Starts Swagger UI on this server's own spec. A file, not an inline script, so the page's CSP needs no
// 'unsafe-inline' for scripts. The page's own server comes first in the list: "Try it out" then calls the
// server the page came from (the spec's default is 127.0.0.1:8080, and the CSP lets the page reach only its
// own origin).
const START_SCRIPT = `"use strict";
const root = document.getElementById("swagger-ui");
fetch("openapi.json")
  .then((res) => res.json())
  .then((spec) => {
    const here = new URL(".", location.href).href.replace(/\\/$/, "");
    const others = (spec.servers || []).filter((server) => server.url !== here);
    spec.servers = [{ url: here, description: "This server" }, ...others];
    window.ui = SwaggerUIBundle({
      spec,
      domNode: root,
      deepLinking: true,
      displayOperationId: true,
      // The default asks validator.swagger.io for a badge: no request leaves this server.
      validatorUrl: null,
    });
  })
  .catch((error) => {
    root.textContent = "Could not load openapi.json: " + error;
  });
`;

const swaggerUiDist = () => dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

function fromSwaggerUiDist(file: string): Asset["load"] {
  let loaded: Promise<Uint8Array<ArrayBuffer>> | undefined;
  // Read at the first request, so importing the app touches no file; then kept, since it never changes.
  return () => {
    loaded ??= readFile(join(swaggerUiDist(), file)).then((bytes) => new Uint8Array(bytes));
    return loaded;
  };
}

/**
 * Everything the docs page loads, by name. A fixed list, not a folder: a name outside it is a 404, so no
 * request can reach any other file, whatever it encodes.
 */
const ASSETS: Record<string, Asset> = {
  "swagger-ui.css": { type: "text/css; charset=utf-8", load: fromSwaggerUiDist("swagger-ui.css") },
  "swagger-ui-bundle.js": {
    type: "text/javascript; charset=utf-8",
    load: fromSwaggerUiDist("swagger-ui-bundle.js"),
  },
  "favicon.png": { type: "image/png", load: fromSwaggerUiDist("favicon-32x32.png") },
  "start.js": {
    type: "text/javascript; charset=utf-8",
    load: async () => new TextEncoder().encode(START_SCRIPT),
  },
};

export function docsAsset(name: string): Asset | undefined {
  return Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
}
