// npm run size:readme: writes what `npm run bench:size` measures now into each row of the
// README's size table (examples/packed-app/test/size-table.test.ts fails when they differ).
import { readFileSync, writeFileSync } from "node:fs";
import { ENTRIES, measureBundle } from "../packages/browser/bench/size/size.mjs";

const README = new URL("../README.md", import.meta.url);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** A row's label as bench:size names it: no code marks, no asides, "+" for "and". */
export const sizeLabel = (text) =>
  text
    .replaceAll("`", "")
    .replace(/\(.*?\)/g, "")
    .replace(/'s Queue, for reference/, "")
    .replaceAll(" and ", " + ")
    .trim()
    .toLowerCase();

/** The table's rows: [line index, cells] of each row under the header and its |---| line. */
export function sizeRows(lines) {
  const heading = lines.findIndex((line) => line.startsWith("**Size** (`npm run bench:size`"));
  const first = lines.findIndex((line, i) => i > heading && line.startsWith("|"));
  const rows = [];
  for (let i = first + 2; lines[i]?.startsWith("|"); i++)
    rows.push([i, lines[i].split("|").map((c) => c.trim())]);
  return rows;
}

/** Each bundle's figures as the README writes them, by label. */
export async function measuredSizes(resolveDir) {
  const sizes = new Map();
  for (const [name, source] of Object.entries(ENTRIES)) {
    const { minified, gzipped } = await measureBundle(source, { resolveDir });
    sizes.set(sizeLabel(name), [kb(minified), kb(gzipped)]);
  }
  return sizes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = readFileSync(README, "utf8").split("\n");
  const sizes = await measuredSizes(new URL("../packages/browser", import.meta.url).pathname);
  for (const [i, cells] of sizeRows(lines)) {
    const figures = sizes.get(sizeLabel(cells[1]));
    if (!figures) throw new Error(`README row "${cells[1]}" is not a bench:size bundle`);
    lines[i] = `| ${cells[1]} | ${figures[0]} | ${figures[1]} |`;
  }
  writeFileSync(README, lines.join("\n"));
}
