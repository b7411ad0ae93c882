import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // expect.poll is the tests' one wait with a deadline; the in-memory engine
    // is quick, but on a shared machine 1 s (the default) is not enough.
    expect: { poll: { timeout: 15_000, interval: 10 } },
  },
});
