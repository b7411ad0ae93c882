// tsc compiles the console's JSX but leaves each file's `@jsxImportSource` pragma in the
// emitted JavaScript, where it means nothing any more; a bundler that meets it (wrangler's
// esbuild, in every Worker that imports @edgeq/worker) warns "The JSX import source cannot
// be set without also enabling React's automatic JSX transform". Blank the pragma's line,
// keeping the line itself so the source maps stay exact.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PRAGMA = /^\/\*\* @jsxImportSource [^*]+\*\/$/m;
const dir = "dist/console";
for (const file of readdirSync(dir)) {
  if (!file.endsWith(".js")) continue;
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  if (PRAGMA.test(text)) writeFileSync(path, text.replace(PRAGMA, ""));
}
