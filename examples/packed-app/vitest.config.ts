import { defineConfig } from "vitest/config";

// Packs, installs into a temporary app, builds and runs it: Node drives npm, Vite,
// tsc, Miniflare and Chromium. The packages come from their tarballs, never from source.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
