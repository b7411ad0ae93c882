import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { CHROMIUM_ARGS, chromiumPath } from "./test/setup/chromium.js";
import { commands } from "./test/setup/commands.js";

// Real IndexedDB, Web Locks and BroadcastChannel: the tests run in headless
// Chromium, against the real broker from @edgeq/worker (see test/setup).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/setup/global-setup.ts"],
    testTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
      }),
      instances: [{ browser: "chromium" }],
      commands,
    },
  },
});
