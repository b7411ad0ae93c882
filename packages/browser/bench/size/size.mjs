// Size budget: minified + gzipped bytes of what an app ships, bundled by esbuild.
//   node bench/size/size.mjs          prints the table
//   node bench/size/size.mjs --check  also exits non-zero when createOutbox alone is over budget
import { appendFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** createOutbox alone, gzipped: the goal of issue 17. */
export const OUTBOX_BUDGET_BYTES = 8 * 1024;

export const ENTRIES = {
  "createOutbox only":
    'import { createOutbox } from "@edgeq/browser"; globalThis.x = createOutbox;',
  "createOutbox + inspectOutbox":
    'import { createOutbox, inspectOutbox } from "@edgeq/browser"; globalThis.x = [createOutbox, inspectOutbox];',
  "createInbox only": 'import { createInbox } from "@edgeq/browser"; globalThis.x = createInbox;',
  "all of @edgeq/browser": 'import * as edgeq from "@edgeq/browser"; globalThis.x = edgeq;',
  "@edgeq/react outbox hooks (no React)":
    'import { useOutbox, useOutboxState, useMessageStatus, useDeadLetters, OutboxProvider } from "@edgeq/react"; globalThis.x = [useOutbox, useOutboxState, useMessageStatus, useDeadLetters, OutboxProvider];',
  "all of @edgeq/react (no React)": 'import * as hooks from "@edgeq/react"; globalThis.x = hooks;',
  "sw-capture: edgeqBackgroundSync":
    'import { edgeqBackgroundSync } from "@edgeq/browser/sw-capture"; globalThis.x = edgeqBackgroundSync;',
  "all of @edgeq/browser/sw-capture":
    'import * as capture from "@edgeq/browser/sw-capture"; globalThis.x = capture;',
  "workbox-background-sync (reference)":
    'import { Queue } from "workbox-background-sync"; globalThis.x = Queue;',
};

/**
 * Bundles `source` for the browser and returns its minified and gzipped sizes.
 * `conditions` picks the workspace's TypeScript source ("edgeq-source") or, empty, the built dist.
 */
export async function measureBundle(source, { conditions = ["edgeq-source"], resolveDir } = {}) {
  const result = await build({
    stdin: { contents: source, resolveDir: resolveDir ?? process.cwd(), loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions,
    write: false,
    metafile: true,
    logLevel: "error",
    define: { "process.env.NODE_ENV": '"production"' },
    // The app brings its own React: the hooks' size is edgeq's part alone.
    external: ["react", "react-dom"],
  });
  const code = result.outputFiles[0].contents;
  return {
    minified: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    meta: result.metafile,
  };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = [];
  for (const [name, source] of Object.entries(ENTRIES)) {
    const { minified, gzipped, meta } = await measureBundle(source);
    rows.push({ name, minified, gzipped, meta });
  }
  console.log(`${"bundle".padEnd(38)} ${"minified".padStart(10)} ${"gzipped".padStart(10)}`);
  for (const r of rows)
    console.log(
      `${r.name.padEnd(38)} ${kb(r.minified).padStart(10)} ${kb(r.gzipped).padStart(10)}`,
    );
  const outbox = rows[0];
  console.log(
    `\nbudget: createOutbox alone <= ${kb(OUTBOX_BUDGET_BYTES)} gzipped: ${outbox.gzipped <= OUTBOX_BUDGET_BYTES ? "ok" : "OVER"}`,
  );
  // `npm run bench:all` collects rows from the file EDGEQ_BENCH_ROWS names: the budget is this row's baseline.
  if (process.env.EDGEQ_BENCH_ROWS)
    appendFileSync(
      process.env.EDGEQ_BENCH_ROWS,
      `${JSON.stringify({
        suite: "browser",
        scenario: "createOutbox alone, minified + gzipped, vs its budget",
        unit: "KB",
        edgeq: outbox.gzipped / 1024,
        baseline: OUTBOX_BUDGET_BYTES / 1024,
        goal: { max: 1 },
      })}\n`,
    );
  if (process.argv.includes("--inputs")) {
    const inputs = Object.entries(outbox.meta.outputs)[0][1].inputs;
    for (const [file, { bytesInOutput }] of Object.entries(inputs).sort(
      (a, b) => b[1].bytesInOutput - a[1].bytesInOutput,
    ))
      console.log(`${String(bytesInOutput).padStart(7)}  ${file}`);
  }
  if (process.argv.includes("--check") && outbox.gzipped > OUTBOX_BUDGET_BYTES) process.exit(1);
}
