import { defineConfig } from "vitest/config";

// The end-to-end test drives Chromium itself (Playwright), so Vitest runs in Node.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
