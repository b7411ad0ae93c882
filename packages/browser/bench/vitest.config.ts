import { defineConfig } from "vitest/config";
import { headlessChromium } from "../test/setup/chromium.js";

// `npm run bench -w @edgeq/browser`: the outbox's send path in headless
// Chromium, against the alternatives' patterns measured in the same run.
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["bench/**/*.bench-run.ts"],
    testTimeout: 600_000,
    browser: headlessChromium(),
  },
});
