#!/usr/bin/env node
// Fails when git tracks a test artefact (.gitignore lists them; a `git add -f`
// or an older commit could still bring one in): failure screenshots, Vitest
// attachments and blob reports belong to a run, not to the repository.
import { execFileSync } from "node:child_process";

const ARTEFACTS = /(^|\/)(__screenshots__|\.vitest-attachments|\.vitest-reports)\//;
const tracked = execFileSync("git", ["ls-files"], { encoding: "utf8" }).split("\n");
const found = tracked.filter((path) => ARTEFACTS.test(path));
if (found.length > 0) {
  console.error(
    `test artefacts are tracked by git (git rm --cached them):\n  ${found.join("\n  ")}`,
  );
  process.exit(1);
}
console.log("no test artefact is tracked");
