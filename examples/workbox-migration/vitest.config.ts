import { defineConfig } from "vitest/config";

// The test drives Chromium itself (Playwright) and runs the broker, the origin and
// the replay consumer in Node.
export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting ssr conditions replaces Vite's, so they are repeated.
  ssr: { resolve: { conditions: ["edgeq-source", "node", "development|production"] } },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 15_000 } },
  },
});
