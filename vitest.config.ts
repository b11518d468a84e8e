import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The load and fault suite runs on its own: npm run test:soak (vitest.soak.config.ts).
    exclude: [...configDefaults.exclude, "test/soak/**"],
    globalSetup: ["test/support/global-setup.ts"],
    // Integration tests share the rig's daemons; files run in parallel, tests inside a file in order.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 120_000,
    reporters: ["default"],
  },
});
