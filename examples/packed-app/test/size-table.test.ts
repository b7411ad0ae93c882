import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without declarations; its exports are documented there.
import { measuredSizes, sizeLabel, sizeRows } from "../../../scripts/size-table.mjs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));

it("every row of the README's size table is what `npm run bench:size` measures now", async () => {
  const lines = (await readFile(`${repo}README.md`, "utf8")).split("\n");
  const rows = sizeRows(lines) as Array<[number, string[]]>;
  expect(rows.length).toBeGreaterThanOrEqual(4);
  const sizes = (await measuredSizes(`${repo}packages/browser`)) as Map<string, string[]>;
  for (const [, [, name = "", minified, gzipped]] of rows) {
    const measured = sizes.get(sizeLabel(name));
    expect(measured, `README row "${name}" is a bench:size bundle`).toBeDefined();
    expect([minified, gzipped], `${name}: npm run size:readme writes the figures`).toEqual(
      measured,
    );
  }
});
