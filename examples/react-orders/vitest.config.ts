import { defineConfig } from "vitest/config";

// The end-to-end test drives Chromium itself (Playwright), so Vitest runs in Node.
export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting ssr conditions replaces Vite's, so they are repeated.
  ssr: { resolve: { conditions: ["edgeq-source", "node", "development|production"] } },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits on a real browser and a broker in another process.
    expect: { poll: { timeout: 15_000 } },
  },
});
