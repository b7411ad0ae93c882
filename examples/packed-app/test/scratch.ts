import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const repo = fileURLToPath(new URL("../../..", import.meta.url));

/** The packages a release packs, in the order `npm run tarballs` packs them. */
export const PACKAGES = ["@edgeq/core", "@edgeq/browser", "@edgeq/worker"] as const;

/** npm's environment without what `npm test -w …` set for this workspace (its package, its lifecycle). */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^npm_(package|lifecycle|config_workspace)/i.test(key)) env[key] = value;
  return env;
}

/** What `npm pack --json` reports of one tarball. */
export interface Packed {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
}

/**
 * Packs the three packages into `dir` as a release would (their dist is built first:
 * turbo's ^build), and answers what each tarball holds.
 */
export async function packTarballs(dir: string): Promise<Packed[]> {
  await mkdir(dir, { recursive: true });
  const { stdout } = await promisify(execFile)(
    "npm",
    ["pack", "--json", "--pack-destination", dir, ...PACKAGES.flatMap((p) => ["-w", p])],
    { cwd: repo, env: npmEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Packed[];
}
