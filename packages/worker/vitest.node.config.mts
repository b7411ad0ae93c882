import { defineConfig } from "vitest/config";

// Tests that must kill and restart the runtime itself: plain Node driving Miniflare.
export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting ssr conditions replaces Vite's, so they are repeated.
  ssr: { resolve: { conditions: ["edgeq-source", "node", "development|production"] } },
  test: {
    include: ["test-node/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits on a real browser and a broker in another process; its 1 s
    // default is shorter than one busy moment on a 2-core CI machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
