import { defineConfig } from "vitest/config";
import { engineProjects, selectedEngines } from "../test/setup/engines/engines.js";
import { recordRows } from "./setup/record-rows.js";

// `npm run bench -w @edgeq/browser`: the outbox in Chromium, Firefox and WebKit (send
// path, a 100,000-message backlog, draining to the real broker), against the
// alternatives' patterns measured in the same run.
export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting conditions replaces Vite's, so they are repeated.
  resolve: { conditions: ["edgeq-source", "module", "browser", "development|production"] },
  // Found at its first import otherwise, and Vite then reloads the page mid-run, in each engine.
  optimizeDeps: { include: ["workbox-background-sync"] },
  test: {
    root: new URL("..", import.meta.url).pathname,
    globalSetup: ["./bench/setup/global-setup.ts"],
    testTimeout: 600_000,
    // Goal rows go to `npm run bench:all` through this command (setup/record-rows.ts).
    browser: { commands: { recordRows } },
    // Each engine in turn, as the tests (EDGEQ_BROWSERS=firefox narrows it).
    projects: engineProjects(selectedEngines(), ["bench/**/*.bench-run.ts"]),
  },
});
