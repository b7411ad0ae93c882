import { existsSync } from "node:fs";
import { headlessChromium } from "../chromium.js";
import { puppeteerFirefox } from "./firefox-provider.js";
import { webkitGtk } from "./webkit-provider.js";

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

function required(path: string, hint: string): string {
  if (!existsSync(path))
    throw new Error(`${path} is missing: run scripts/ensure-browsers.sh (${hint})`);
  return path;
}

/** Vitest's browser options for one engine. */
export function browserOptions(engine: Engine) {
  switch (engine) {
    case "chromium":
      return headlessChromium();
    case "firefox":
      return {
        enabled: true,
        headless: true,
        // Screenshots on failure are a Playwright/WebdriverIO command; the custom providers have none.
        screenshotFailures: false,
        provider: puppeteerFirefox({ executablePath: required(FIREFOX_PATH, "firefox-esr") }),
        instances: [{ browser: "firefox" as const }],
      };
    case "webkit":
      return {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: webkitGtk({
          driverPath: required(WEBKIT_DRIVER_PATH, "webkit2gtk-driver"),
          browserPath: required(MINIBROWSER_PATH, "libwebkit2gtk-4.1-0"),
          wrapper: ["xvfb-run", "-a"],
        }),
        instances: [{ browser: "webkit" as const }],
      };
  }
}

/**
 * One Vitest project per engine, each in its own sequence group so the
 * engines run one after another (two cores; one broker per project).
 */
export function engineProjects(engines: Engine[] = selectedEngines()) {
  return engines.map((engine, groupOrder) => ({
    extends: true as const,
    test: {
      name: engine,
      sequence: { groupOrder },
      browser: browserOptions(engine),
    },
  }));
}
