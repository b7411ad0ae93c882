import { expect, it } from "vitest";
import { docBlocks, shapeMismatch } from "./doc-blocks.js";

const fence = "```";

it("takes marked blocks with their mode, and the answers the docs show for each curl", () => {
  const text = [
    "<!-- doctest: run -->",
    `${fence}sh`,
    "curl -s http://x/a",
    '# {"a": 1}',
    "curl -s http://x/b",
    `${fence}`,
    `${fence}json`,
    '{"b": [1]}',
    `${fence}`,
    "<!-- doctest: skip needs an account -->",
    `${fence}sh`,
    "npx wrangler login",
    `${fence}`,
  ].join("\n");
  const [run, skip] = docBlocks("x.md", text);
  expect(run?.mode).toBe("run");
  expect(run?.line).toBe(2);
  expect([...(run?.expected ?? [])]).toEqual([
    [0, { a: 1 }],
    [1, { b: [1] }],
  ]);
  expect(skip).toMatchObject({ mode: "skip", argument: "needs an account" });
});

it("refuses a shell block without a marker, and a skip without a reason", () => {
  expect(() => docBlocks("x.md", `${fence}sh\nnpm install\n${fence}`)).toThrow(
    "x.md: shell blocks without a doctest marker at lines 1",
  );
  expect(() => docBlocks("x.md", `<!-- doctest: skip -->\n${fence}sh\nls\n${fence}`)).toThrow(
    "must say why",
  );
});

it("compares shapes, not values: keys, item counts and JSON types", () => {
  const shown = { results: [{ status: "stored", offset: 0 }] };
  expect(shapeMismatch(shown, { results: [{ status: "duplicate", offset: 7 }] })).toBeUndefined();
  expect(shapeMismatch(shown, { results: [{ status: "stored" }] })).toBe(
    "$.results[0]: expected keys offset,status, got status",
  );
  expect(shapeMismatch(shown, { results: [] })).toBe("$.results: expected 1 items, got 0");
  expect(shapeMismatch(shown, { results: [{ status: "stored", offset: "0" }] })).toBe(
    "$.results[0].offset: expected number, got string",
  );
});
