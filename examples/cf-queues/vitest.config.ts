import { defineConfig } from "vitest/config";

// Two Workers in one Miniflare (the broker and this consumer), driven from Node.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
