import { defineConfig } from "vitest/config";
import { headlessChromium } from "../test/setup/chromium.js";

// `npm run bench -w @edgeq/browser`: the outbox in headless Chromium (send
// path, a 100,000-message backlog, draining to the real broker), against the
// alternatives' patterns measured in the same run.
export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting conditions replaces Vite's, so they are repeated.
  resolve: { conditions: ["edgeq-source", "module", "browser", "development|production"] },
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["bench/**/*.bench-run.ts"],
    globalSetup: ["./bench/setup/global-setup.ts"],
    testTimeout: 600_000,
    browser: headlessChromium(),
  },
});
