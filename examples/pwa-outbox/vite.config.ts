import { defineConfig } from "vite";
import { devServiceWorker } from "./dev/service-worker.js";
import { devSignIn } from "./dev/sign-in.js";

// Two entries: the page, and the service worker at the site root (/sw.js),
// whose scope must cover the whole app.
export default defineConfig({
  // The app's sign-in server, stood in for by the dev and preview servers (never built),
  // and the service worker served in development as the build emits it: one file at /sw.js.
  plugins: [devSignIn(), devServiceWorker()],
  // Workspace packages from their TypeScript source ("edgeq-source" export condition):
  // no build needed first. Setting conditions replaces Vite's, so they are repeated.
  resolve: { conditions: ["edgeq-source", "module", "browser", "development|production"] },
  build: {
    rollupOptions: {
      input: { main: "index.html", sw: "src/sw.ts" },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js"),
      },
    },
  },
});
