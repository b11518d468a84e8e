// What `npm run bundle` leaves to Node at run time, read by scripts/bundle.mjs and by scripts/image-modules.mjs
// (the container image ships these packages beside the bundle, and no others).
// Native addons (and the packages that load them by path), optional drivers that are not installed everywhere,
// and swagger-ui-dist, whose files are read from its folder rather than imported.
export const external = [
  "better-sqlite3",
  "ssh2",
  "cpu-features",
  "pg-native",
  "swagger-ui-dist",
  // the AWS SDK comes with the Lambda runtime when anything asks for it; portcall itself never does
  "@aws-sdk/*",
];
