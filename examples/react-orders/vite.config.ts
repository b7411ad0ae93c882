import { defineConfig } from "vite";

export default defineConfig({
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting conditions replaces Vite's, so they are repeated.
  resolve: { conditions: ["edgeq-source", "module", "browser", "development|production"] },
  // The repository's base tsconfig reads JSX as Hono's (the worker's console); this app is React.
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
});
