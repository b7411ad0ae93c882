import { existsSync } from "node:fs";

/** The three engines the browser suites run in, one after another. */
export const ENGINES = ["chromium", "firefox", "webkit"] as const;
export type Engine = (typeof ENGINES)[number];

export const FIREFOX_PATH = "/usr/bin/firefox-esr";
export const WEBKIT_DRIVER_PATH = "/usr/bin/WebKitWebDriver";
export const MINIBROWSER_PATH = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/**
 * `EDGEQ_BROWSERS=firefox,webkit` narrows a run (a comma-separated list);
 * all three by default, and scripts/ensure-browsers.sh installs them.
 */
export function selectedEngines(env = process.env.EDGEQ_BROWSERS): Engine[] {
  if (!env) return [...ENGINES];
  const wanted = env.split(",").map((s) => s.trim());
  const unknown = wanted.filter((e) => !(ENGINES as readonly string[]).includes(e));
  if (unknown.length) throw new Error(`EDGEQ_BROWSERS: unknown engine(s) ${unknown.join(", ")}`);
  return wanted as Engine[];
}

export function required(path: string, hint: string): string {
  if (!existsSync(path))
    throw new Error(`${path} is missing: run scripts/ensure-browsers.sh (${hint})`);
  return path;
}
