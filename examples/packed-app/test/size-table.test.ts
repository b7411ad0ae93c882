import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without declarations; its two exports are used as documented there.
import { ENTRIES, measureBundle } from "../../../packages/browser/bench/size/size.mjs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** A row's label as bench:size names it: no code marks, no asides, "+" for "and". */
const label = (text: string) =>
  text
    .replaceAll("`", "")
    .replace(/\(.*?\)/g, "")
    .replace(/'s Queue, for reference/, "")
    .replaceAll(" and ", " + ")
    .trim()
    .toLowerCase();

it("every row of the README's size table is what `npm run bench:size` measures now", async () => {
  const readme = await readFile(`${repo}README.md`, "utf8");
  const lines = readme.slice(readme.indexOf("**Size** (`npm run bench:size`")).split("\n");
  // | an app that imports | minified | gzipped |, then |---|, then one row per bundle.
  const first = lines.findIndex((line) => line.startsWith("|"));
  const end = lines.findIndex((line, i) => i > first && !line.startsWith("|"));
  const rows = lines.slice(first + 2, end).map((line) => line.split("|").map((c) => c.trim()));
  expect(rows.length).toBeGreaterThanOrEqual(4);
  const bundles = new Map(
    Object.entries(ENTRIES as Record<string, string>).map(([name, source]) => [
      label(name),
      source,
    ]),
  );
  for (const [, name = "", minified, gzipped] of rows) {
    const source = bundles.get(label(name));
    expect(source, `README row "${name}" is a bench:size bundle`).toBeDefined();
    const measured = (await measureBundle(source, { resolveDir: `${repo}packages/browser` })) as {
      minified: number;
      gzipped: number;
    };
    expect([minified, gzipped], name).toEqual([kb(measured.minified), kb(measured.gzipped)]);
  }
});
