import { defineConfig } from "vitest/config";

// The test drives Chromium itself (Playwright), so Vitest runs in Node.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
