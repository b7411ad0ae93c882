// `node --import ./bench/ts-hooks.mjs bench/run.ts`: runs the Node-side TypeScript
// (benchmark, chaos CLI) straight from source. Node 20 cannot strip types, and a
// bundle written into the package would be one more generated tree for biome and
// git to skip; these module hooks compile each .ts file in memory with esbuild.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { register } from "node:module";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";

// Loaded once in the main thread (to register) and once in the hooks thread (to serve).
if (isMainThread) register(import.meta.url);

/** TypeScript's ESM convention imports `./x.js` for the source `./x.ts`. */
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.endsWith(".ts") && specifier.startsWith(".") && specifier.endsWith(".js")) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (!existsSync(fileURLToPath(new URL(specifier, parent))) && existsSync(fileURLToPath(ts)))
      return { url: ts.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
  // Imported lazily: only the hooks thread needs esbuild.
  const { transform } = await import("esbuild");
  const source = await readFile(fileURLToPath(url), "utf8");
  const { code } = await transform(source, {
    loader: "ts",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    sourcefile: fileURLToPath(url),
  });
  return { format: "module", source: code, shortCircuit: true };
}
