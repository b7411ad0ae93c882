import { build, type Plugin, type ResolvedConfig, type Rollup } from "vite";

/** Where the worker is served, in development as in the build (vite.config.ts). */
export const SERVICE_WORKER_URL = "/sw.js";

/**
 * Serves the service worker under `npm start` as the build does: one file at
 * /sw.js, its imports bundled in, rebuilt when one of its files changes.
 *
 * Why not Vite's own /src/sw.ts: that worker fetches each of its imports
 * (@edgeq/browser and the core, from source) while it evaluates, and
 * WebKitGTK 2.50 never fires `install` for a worker whose page reloaded
 * during that evaluation; the registration then stays "installing", and
 * every later register, update and unregister on it waits behind that job,
 * for as long as the browser runs (test/install-reload.test.ts).
 * A reload during the fetch of the worker's own script is harmless in every
 * engine (the next page registers again), so a worker that fetches nothing
 * while it evaluates leaves no such window.
 */
export function devServiceWorker(entry = "src/sw.ts"): Plugin {
  let config: ResolvedConfig;
  let bundled: Promise<Rollup.OutputChunk> | undefined;
  return {
    name: "edgeq-dev-service-worker",
    apply: "serve",
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      // An edit to any file in the bundle: the next request (the browser's update check) rebuilds.
      server.watcher.on("change", async (file) => {
        const chunk = await bundled?.catch(() => undefined);
        if (!chunk || chunk.moduleIds.includes(file)) bundled = undefined;
      });
      server.middlewares.use((req, res, next) => {
        if (req.url?.split("?")[0] !== SERVICE_WORKER_URL) return next();
        bundled ??= bundle(config, entry);
        bundled.then(
          (chunk) => {
            res.setHeader("Content-Type", "text/javascript");
            res.setHeader("Cache-Control", "no-cache");
            res.end(chunk.code);
          },
          (error: unknown) => {
            bundled = undefined;
            next(error);
          },
        );
      });
    },
  };
}

/** The worker as one ES module: the dev server's resolve conditions, mode and env. */
async function bundle(config: ResolvedConfig, entry: string): Promise<Rollup.OutputChunk> {
  const output = await build({
    configFile: false,
    root: config.root,
    mode: config.mode,
    envDir: config.envDir,
    logLevel: "warn",
    resolve: { conditions: config.resolve.conditions },
    build: {
      write: false,
      minify: false,
      sourcemap: "inline",
      rollupOptions: { input: entry, output: { format: "es", entryFileNames: "sw.js" } },
    },
  });
  const outputs = (Array.isArray(output) ? output : [output]) as Rollup.RollupOutput[];
  const chunk = outputs
    .flatMap((o) => o.output)
    .find((o): o is Rollup.OutputChunk => o.type === "chunk" && o.isEntry);
  if (!chunk) throw new Error(`no service worker bundle from ${entry}`);
  return chunk;
}
