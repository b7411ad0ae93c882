import { existsSync } from "node:fs";
import { playwright } from "@vitest/browser-playwright";

/**
 * Playwright cannot download its own browsers here, so the tests drive a
 * system Chromium: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`.
 */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((p): p is string => Boolean(p) && existsSync(p as string));
  if (!found)
    throw new Error(
      "edgeq's browser tests need Chromium: `sudo apt-get install -y chromium` (Debian/Ubuntu), " +
        "or set CHROMIUM_PATH to a Chromium or Chrome binary.",
    );
  return found;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Vitest browser mode in headless system Chromium: what the tests and the benchmark share. */
export function headlessChromium() {
  return {
    enabled: true,
    headless: true,
    provider: playwright({
      launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    }),
    instances: [{ browser: "chromium" as const }],
  };
}
