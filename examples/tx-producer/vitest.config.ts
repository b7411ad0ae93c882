import { defineConfig } from "vitest/config";

// Two Workers in one Miniflare (the broker and this consumer), driven from Node.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits on a real browser and a broker in another process; its 1 s
    // default is shorter than one busy moment on a 2-core CI machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
