import { defineConfig } from "vitest/config";

// `npm run test:soak`: load and faults against real server processes and daemons. Files run one after another,
// since each measures a server's memory, descriptors and timing and must not share the CPUs with another's load.
export default defineConfig({
  test: {
    include: ["test/soak/**/*.test.ts"],
    // The rig first; the soak daemon (test/soak/support/soak-daemon.ts) is removed before the rig's teardown.
    globalSetup: ["test/support/global-setup.ts", "test/soak/support/soak-setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 120_000,
    reporters: ["default"],
  },
});
