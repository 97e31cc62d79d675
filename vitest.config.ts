import { defineConfig } from "vitest/config";

// Two projects: fast unit tests beside the code, and e2e tests that run
// against real local control planes (one file at a time: 2 cores).
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    // Global teardown stops the e2e control planes.
    teardownTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "agent/src/**/*.test.ts", "hub/src/**/*.test.ts", "deploy/**/*.test.ts", "scripts/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["e2e/src/**/*.test.ts"],
          environment: "node",
          globalSetup: ["e2e/src/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
