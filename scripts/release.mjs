// npm run release: build, test, generate the API reference, then pack the publishable packages into release/.
// npm run tarballs: build and pack only (what installing from a clone needs; README, Install).
// Publishes nothing: `npm publish release/*.tgz` is for a machine with registry credentials.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";

const PACKAGES = ["@edgeq/core", "@edgeq/browser", "@edgeq/worker", "@edgeq/react"];
const npm = (...args) => execFileSync("npm", args, { stdio: "inherit" });
const packOnly = process.argv.includes("--pack-only");

npm("run", "build");
if (!packOnly) {
  npm("test");
  // The API reference: fails on any undocumented public member (typedoc.json).
  npm("run", "docs");
}
rmSync("release", { recursive: true, force: true });
mkdirSync("release");
npm("pack", "--pack-destination", "release", ...PACKAGES.flatMap((p) => ["-w", p]));
console.log("\nrelease/ holds the tarballs; nothing was published.");
