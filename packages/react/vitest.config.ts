import { defineConfig } from "vitest/config";
import { browserOptions, selectedEngines } from "../browser/test/setup/engines/engines.js";
import { commands } from "./test/setup/commands.js";

// The hooks in every engine the browser suite runs (Chromium, Firefox, WebKit, one
// after another; EDGEQ_BROWSERS narrows it), against the real broker (the browser
// package's setup: a local workerd broker behind its fault proxy); and the server
// render in plain Node, where no browser API exists.
export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting conditions replaces Vite's, so they are repeated.
  resolve: { conditions: ["edgeq-source", "module", "browser", "development|production"] },
  // The repository's base tsconfig reads JSX as Hono's (the worker's console); this is React.
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  // Found on first import otherwise, which reloads the page mid-run (and two Reacts meet).
  optimizeDeps: {
    include: ["react", "react/jsx-dev-runtime", "react-dom/client", "react-dom/server", "idb"],
  },
  test: {
    testTimeout: 30_000,
    // expect.poll waits on an outbox syncing to a broker in workerd; its 1 s default is
    // shorter than one busy moment on a 2-core CI machine.
    expect: { poll: { timeout: 15_000 } },
    projects: [
      ...selectedEngines().map((engine, groupOrder) => ({
        extends: true as const,
        test: {
          name: engine,
          // test/chromium needs the browser's own offline switch, which only Playwright's
          // Chromium driver has here (the Firefox and WebKit drivers cannot cut a page's network).
          include: [
            "test/*.test.tsx",
            ...(engine === "chromium" ? ["test/chromium/*.test.tsx"] : []),
          ],
          sequence: { groupOrder },
          globalSetup: ["../browser/test/setup/global-setup.ts"],
          browser: { ...browserOptions(engine), commands },
        },
      })),
      {
        extends: true as const,
        // The server render: Node's own conditions, so react-dom/server is its Node build.
        resolve: { conditions: ["edgeq-source", "module", "node", "development|production"] },
        test: { name: "ssr", include: ["test/node/*.test.tsx"], environment: "node" },
      },
    ],
  },
});
