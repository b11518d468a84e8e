// yaml is CommonJS: imported statically here, the bundle (and Node) give its named exports; a module of ours
// that `import()` loads, so only a start with a hosts file reads the parser.
export { parse } from "yaml";
