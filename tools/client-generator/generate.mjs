// Writes openapi/portcall-api.d.ts, the types of portcall's TypeScript client, from the committed
// openapi/openapi.json (`npm run client:generate`; `npm run openapi` runs it too). With `--stdout` it prints
// them instead, which is how the staleness test compares. It lives in this workspace because openapi-typescript
// needs the TypeScript 5 compiler API and portcall itself compiles with TypeScript 7, which has none.
import { writeFileSync } from "node:fs";
import openapiTS, { astToString } from "openapi-typescript";

const spec = new URL("../../openapi/openapi.json", import.meta.url);
const target = new URL("../../openapi/portcall-api.d.ts", import.meta.url);

const HEADER = `// Generated from openapi/openapi.json by \`npm run client:generate\` (openapi-typescript). Do not edit.\n\n`;

// A property with a default is one the client may leave out: by default openapi-typescript makes it required.
const types = HEADER + astToString(await openapiTS(spec, { defaultNonNullable: false }));

if (process.argv.includes("--stdout")) process.stdout.write(types);
else {
  writeFileSync(target, types);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
