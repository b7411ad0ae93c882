import { defineConfig } from "vitest/config";

// `wrangler deploy --dry-run` from Node: the configuration builds as a user's would.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
  },
});
