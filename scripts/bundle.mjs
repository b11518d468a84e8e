// `npm run bundle`: the production build, one ES module per entry (server, function, CLI) plus shared chunks,
// so a cold start reads a few files instead of resolving hundreds. Modules loaded with `import()` (the docs
// page, Docker clients, the store drivers) land in chunks of their own and are read only when first needed.
//   node scripts/bundle.mjs [--metafile] [--readable]   → dist/bundle/server.mjs, lambda.mjs, cli.mjs
// (cli.mjs is the container image's `portcall` command: the image ships the bundle, not dist/*.js.)
// --metafile writes esbuild's account of what went where (dist/bundle/meta.json); --readable leaves the code
// unminified, with a comment naming each module, for reading a CPU profile.
import { rm, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { external } from "./bundle-externals.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "bundle");

// CommonJS packages in an ES module bundle still call `require` and read `__dirname`; Node gives an ES module
// neither, so the bundle defines them once, under names no bundled module declares.
const banner = [
  'import { createRequire as __portcallCreateRequire } from "node:module";',
  'import { fileURLToPath as __portcallFileUrlToPath } from "node:url";',
  'import { dirname as __portcallDirname } from "node:path";',
  "const require = __portcallCreateRequire(import.meta.url);",
  "const __filename = __portcallFileUrlToPath(import.meta.url);",
  "const __dirname = __portcallDirname(__filename);",
].join("\n");

// dockerode's BuildKit support (builds with `version: "2"`, `docker.followProgress`) loads gRPC and protobuf
// definitions from .proto files beside its own source, which a bundle does not have. portcall uses neither:
// its builds are the classic builder's. Left out, they cost no start anything, and fail loudly if ever called.
const withoutBuildKit = {
  name: "dockerode-without-buildkit",
  setup(build) {
    const inDockerode = `${sep}node_modules${sep}dockerode${sep}lib${sep}`;
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      args.importer.includes(inDockerode) ? { path: args.path, namespace: "buildkit-left-out" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "buildkit-left-out" }, () => ({
      loader: "js",
      contents:
        "const leftOut = () => { throw new Error(\"dockerode's BuildKit support is not in portcall's bundle\"); };\n" +
        "module.exports = leftOut; module.exports.followProgress = leftOut;",
    }));
  },
};

// zod exports every language of its error messages (`z.locales`), a quarter of a megabyte parsed at every start;
// portcall's messages are English, which zod imports by itself. The others are left out.
const englishOnlyZod = {
  name: "zod-english-only",
  setup(build) {
    const inZod = `${sep}node_modules${sep}zod${sep}`;
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(inZod)
        ? { path: join(dirname(args.importer), args.path), namespace: "zod-english-only" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      loader: "js",
      resolveDir: dirname(args.path),
      contents: 'export { default as en } from "./en.js";',
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { server: "src/main.ts", lambda: "src/lambda.ts", cli: "src/cli.ts" },
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  // Beside the entries, not in a subfolder: every file is as deep as dist/openapi/document.js, whose
  // `../../package.json` must still find the package.
  chunkNames: "[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  banner: { js: banner },
  plugins: [withoutBuildKit, englishOnlyZod],
  sourcemap: "linked",
  legalComments: "linked",
  // Minified, as a smaller text is parsed sooner at every start; names kept for stack traces and errors.
  minify: !process.argv.includes("--readable"),
  keepNames: true,
  metafile: process.argv.includes("--metafile"),
  logLevel: "warning",
});
if (result.metafile) await writeFile(join(outdir, "meta.json"), JSON.stringify(result.metafile));
