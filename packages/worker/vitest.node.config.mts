import { defineConfig } from "vitest/config";

// Tests that must kill and restart the runtime itself: plain Node driving Miniflare.
export default defineConfig({
  test: {
    include: ["test-node/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
