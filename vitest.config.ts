import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Integration tests share the rig's daemons; files run in parallel, tests inside a file in order.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 120_000,
    reporters: ["default"],
  },
});
