// Import rules a machine checks (issue 13, item 5), run by `npm run lint:deps` over src/.
// Type-only imports count like any other (tsPreCompilationDeps): a cycle through `import type` is still a
// cycle between modules, and a core that imports a Hono type still depends on Hono.
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules in src/ may not import each other in a circle, directly or through others.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-hono-in-core",
      severity: "error",
      comment:
        "The core (src/core/) is transport-free: no import of hono or any @hono/* package, type-only ones included.",
      from: { path: "^src/core/" },
      to: { path: "(^|/)node_modules/(hono|@hono/[^/]+)(/|$)|^(hono|@hono/[^/]+)(/|$)" },
    },
    {
      name: "no-channel-in-core",
      severity: "error",
      comment:
        "The core knows no channel: it may not import the HTTP or MCP adapters, nor the HTTP-only helpers beside them.",
      from: { path: "^src/core/" },
      to: { path: "^src/(channels|http|openapi|middleware|routes)/|^src/(app|env|server)\\.ts$" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "(^|/)node_modules/" },
    // what Node and TypeScript (NodeNext) resolve with: the "exports" map and its import/types conditions
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
