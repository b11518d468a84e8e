// Preloaded by `npm run lint:deps` (node --require). dependency-cruiser reads TypeScript through the
// TypeScript compiler API, which only TypeScript 5 and 6 ship: the TypeScript 7 that portcall compiles with
// has none, so with it dependency-cruiser sees no .ts file at all. The client-generator workspace already
// pins TypeScript 5.9.3 for the same reason (see tools/client-generator/package.json); this points
// dependency-cruiser's `typescript` at that copy, for CommonJS require() and ESM import() alike. Nothing
// else is redirected: tsc, tsx and vitest keep using TypeScript 7.
"use strict";

const Module = require("node:module");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const root = path.resolve(__dirname, "../..");
const cruiser = path.join(root, "node_modules", "dependency-cruiser") + path.sep;
const typescript5 = path.join(root, "tools", "client-generator", "node_modules", "typescript");

const isTypescript = (request) => request === "typescript" || request.startsWith("typescript/");
const redirect = (request) => typescript5 + request.slice("typescript".length);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const fromCruiser = parent?.filename?.startsWith(cruiser) ?? false;
  const target = fromCruiser && isTypescript(request) ? redirect(request) : request;
  return resolveFilename.call(this, target, parent, ...rest);
};

// import() goes through the ESM loader, which Node 20 lets one change only with hooks off the main thread.
const targets = {
  cruiser: pathToFileURL(cruiser).href,
  typescript: pathToFileURL(require.resolve(typescript5)).href,
};
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === "typescript" && context.parentURL?.startsWith(${JSON.stringify(targets.cruiser)}))
    return { url: ${JSON.stringify(targets.typescript)}, format: "commonjs", shortCircuit: true };
  return next(specifier, context);
}`;
Module.register(`data:text/javascript,${encodeURIComponent(hooks)}`);
