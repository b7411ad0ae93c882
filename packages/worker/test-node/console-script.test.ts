import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("the console script the Worker serves is the build of its committed sources", () => {
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  // Exits non-zero (and execFileSync throws) when src/console/client-script.ts is stale.
  expect(() =>
    execFileSync("node", ["scripts/build-console.mjs", "--check"], { cwd, stdio: "pipe" }),
  ).not.toThrow();
});
