import { defineConfig } from "vitest/config";
import { commands } from "./test/setup/commands.js";
import { engineProjects } from "./test/setup/engines/engines.js";

// Real IndexedDB, Web Locks and BroadcastChannel: the same test files run in
// Chromium, Firefox and WebKit, one engine after another (test/setup/engines),
// against the real broker from @edgeq/worker (see test/setup).
// EDGEQ_BROWSERS=firefox (comma-separated) runs a subset.
export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting conditions replaces Vite's, so they are repeated.
  resolve: { conditions: ["edgeq-source", "module", "browser", "development|production"] },
  test: {
    // Each engine's project names its files (test/setup/engines/engines.ts).
    globalSetup: ["./test/setup/global-setup.ts"],
    testTimeout: 30_000,
    // expect.poll waits on an outbox syncing to a broker in workerd; its 1 s default is
    // shorter than one busy moment on a 2-core CI machine.
    expect: { poll: { timeout: 15_000 } },
    browser: { commands },
    projects: engineProjects(),
  },
});
