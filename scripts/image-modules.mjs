// The container image's run stage: the bundle and only the packages it leaves to Node at run time.
//   node scripts/image-modules.mjs <dest>   (after `npm run bundle`)
// writes <dest>/package.json, <dest>/dist/bundle and <dest>/node_modules: the installed packages of the bundle's
// externals (scripts/bundle-externals.mjs, the list esbuild itself is given) and what they depend on.
// A native addon's sources and build leftovers (deps/, src/, object files) are left out: only its compiled
// `.node` file is loaded, and they make better-sqlite3 28 MB instead of 2. So are the packages' source maps:
// Node reads none without --enable-source-maps, and the docs page serves a fixed list of files.
import { cp, mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { external } from "./bundle-externals.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dest = process.argv[2];
if (!dest) throw new Error("usage: node scripts/image-modules.mjs <dest>");
const bundle = join(root, "dist", "bundle");

const exists = (path) =>
  stat(path).then(
    () => true,
    () => false,
  );

// Node's own lookup: node_modules/<name> beside the requiring package, then in each folder above it.
async function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (await exists(join(candidate, "package.json"))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

async function copyPackage(from) {
  const native = await exists(join(from, "binding.gyp"));
  await cp(from, join(dest, relative(root, from)), {
    recursive: true,
    filter: (path) => {
      const inside = relative(from, path).split(sep);
      // nested node_modules are copied as dependencies in their own right, and only when needed
      if (inside.includes("node_modules") || path.endsWith(".map")) return false;
      if (!native) return true;
      if (inside[0] === "deps" || inside[0] === "src") return false;
      if (inside[0] !== "build" || inside.length === 1) return true;
      if (inside[1] !== "Release") return false;
      return inside.length === 2 || (inside.length === 3 && path.endsWith(".node"));
    },
  });
}

// A pattern (`@aws-sdk/*`) names packages the bundle only tries, never one portcall needs.
const wanted = external.filter((name) => !name.includes("*"));

const copied = new Set();
const queue = wanted.map((name) => ({ name, fromDir: root, optional: true }));
while (queue.length > 0) {
  const { name, fromDir, optional } = queue.shift();
  const found = await locate(name, fromDir);
  if (!found) {
    // an external the bundle only tries (pg-native) or an optional dependency not installed
    if (optional) continue;
    throw new Error(`${relative(root, fromDir) || "portcall"} needs ${name}, which is not installed`);
  }
  if (copied.has(found)) continue;
  copied.add(found);
  await copyPackage(found);
  const pkg = JSON.parse(await readFile(join(found, "package.json"), "utf8"));
  for (const dep of Object.keys(pkg.dependencies ?? {}))
    queue.push({ name: dep, fromDir: found, optional: false });
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
    queue.push({ name: dep, fromDir: found, optional: true });
  }
}

await mkdir(join(dest, "dist"), { recursive: true });
await cp(bundle, join(dest, "dist", "bundle"), {
  recursive: true,
  filter: (path) => !path.endsWith("meta.json"),
});
// The bundle reads the package's name and version from ../../package.json (the OpenAPI document's info).
await cp(join(root, "package.json"), join(dest, "package.json"));
console.log(
  `image-modules: ${[...copied].map((dir) => relative(join(root, "node_modules"), dir)).join(", ")}`,
);
