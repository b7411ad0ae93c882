import { headlessChromium } from "../chromium.js";
import {
  type Engine,
  FIREFOX_PATH,
  MINIBROWSER_PATH,
  required,
  selectedEngines,
  WEBKIT_DRIVER_PATH,
} from "./engine-list.js";
import { puppeteerFirefox } from "./firefox-provider.js";
import { webkitGtk } from "./webkit-provider.js";

export { ENGINES, type Engine, selectedEngines } from "./engine-list.js";

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
export function engineProjects(
  engines: Engine[] = selectedEngines(),
  /** Files each engine runs; the quota project runs only with the default. */
  include: string[] = ["test/*.test.ts"],
) {
  const projects = engines.map((engine, groupOrder) => ({
    extends: true as const,
    test: {
      name: engine,
      include,
      sequence: { groupOrder },
      browser: browserOptions(engine),
    },
  }));
  if (!engines.includes("firefox") || include[0] !== "test/*.test.ts") return projects;
  // A full disk, for real: Firefox with 50 MB of temporary storage in all, so
  // 10 MB per origin (a pref; the other engines' drivers have no such switch).
  const firefox = browserOptions("firefox");
  return [
    ...projects,
    {
      extends: true as const,
      test: {
        name: "firefox-small-disk",
        include: ["test/quota/*.test.ts"],
        sequence: { groupOrder: projects.length },
        browser: {
          ...firefox,
          provider: puppeteerFirefox({
            executablePath: FIREFOX_PATH,
            prefs: { "dom.quotaManager.temporaryStorage.fixedLimit": 50 * 1024 },
          }),
        },
      },
    },
  ];
}
