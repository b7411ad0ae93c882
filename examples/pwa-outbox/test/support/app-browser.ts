import { chromium } from "playwright";
import puppeteer from "puppeteer-core";
import { expect } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../../../packages/browser/test/setup/chromium.js";
import {
  type Engine,
  FIREFOX_PATH,
  MINIBROWSER_PATH,
  required,
  WEBKIT_DRIVER_PATH,
} from "../../../../packages/browser/test/setup/engines/engine-list.js";
import { createMutex } from "../../../../packages/browser/test/setup/engines/tab-driver.js";
import {
  startWebDriverSession,
  type WebDriverSession,
} from "../../../../packages/browser/test/setup/engines/webdriver-client.js";

/**
 * The few things the PWA tests do to a page, the same in every engine:
 * Playwright for Chromium, puppeteer-core over WebDriver BiDi for Firefox,
 * W3C WebDriver for WebKitGTK (see packages/browser/test/setup/engines).
 * Expressions are JavaScript source evaluated in the page (a Promise is awaited).
 */
export interface AppPage {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  evaluate(expression: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Pages sharing storage, cookies and service workers: one browser profile. */
export interface AppContext {
  newPage(): Promise<AppPage>;
  close(): Promise<void>;
}

export interface AppBrowser {
  readonly engine: Engine;
  newContext(): Promise<AppContext>;
  close(): Promise<void>;
}

export async function launchAppBrowser(engine: Engine): Promise<AppBrowser> {
  switch (engine) {
    case "chromium":
      return launchChromium();
    case "firefox":
      return launchFirefox();
    case "webkit":
      return { engine, newContext: newWebKitContext, close: async () => {} };
  }
}

/** Polls `expression` in the page (expect.poll) until it is `true`, or fails after `timeoutMs`. */
export async function waitFor(
  page: AppPage,
  expression: string,
  timeoutMs = 20_000,
  /** Evaluated on a time-out, for the error: what the page looked like. */
  explain = `document.readyState`,
) {
  // A reload in progress destroys the execution context: that attempt is its error, try again.
  const evaluate = () => page.evaluate(expression).catch((error: unknown) => String(error));
  try {
    await expect.poll(evaluate, { timeout: timeoutMs, message: expression }).toBe(true);
  } catch (error) {
    const seen = await page.evaluate(explain).catch((e: unknown) => e);
    throw new Error(
      `still not true after ${timeoutMs} ms: ${expression} (${JSON.stringify(seen)})`,
      {
        cause: error,
      },
    );
  }
}

async function launchChromium(): Promise<AppBrowser> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  return {
    engine: "chromium",
    async newContext() {
      const context = await browser.newContext();
      return {
        async newPage() {
          const page = await context.newPage();
          page.on("pageerror", (error) => console.error("[chromium page]", error.message));
          return {
            goto: async (url) => void (await page.goto(url)),
            reload: async () => void (await page.reload()),
            evaluate: (expression) => page.evaluate(expression),
            close: () => page.close(),
          };
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

async function launchFirefox(): Promise<AppBrowser> {
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: required(FIREFOX_PATH, "firefox-esr"),
    headless: true,
  });
  return {
    engine: "firefox",
    async newContext() {
      const context = await browser.createBrowserContext();
      return {
        async newPage() {
          const page = await context.newPage();
          page.on("pageerror", (error) => console.error("[firefox page]", String(error)));
          return {
            goto: async (url) => void (await page.goto(url)),
            reload: async () => void (await page.reload()),
            evaluate: (expression) => page.evaluate(expression),
            close: () => page.close(),
          };
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

/** A context is a MiniBrowser of its own (automation sessions keep nothing); its pages are windows. */
async function newWebKitContext(): Promise<AppContext> {
  const session: WebDriverSession = await startWebDriverSession({
    command: ["xvfb-run", "-a", required(WEBKIT_DRIVER_PATH, "webkit2gtk-driver")],
    capabilities: {
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": {
        binary: required(MINIBROWSER_PATH, "libwebkit2gtk-4.1-0"),
        args: ["--automation"],
      },
      timeouts: { script: 60_000, pageLoad: 60_000 },
    },
  });
  const exclusive = createMutex();
  // The session's first window stays open and unused: closing a session's last
  // window ends the session in WebKitWebDriver, and a command after closing the
  // current one fails with "no such window" (measured): it is where we go back to.
  const home = await session.command<string>("GET", "/window");
  const inWindow = <T>(handle: string, work: () => Promise<T>) =>
    exclusive(async () => {
      await session.command("POST", "/window", { handle });
      return work();
    });
  return {
    async newPage() {
      const { handle } = await exclusive(() =>
        session.command<{ handle: string }>("POST", "/window/new", { type: "window" }),
      );
      return {
        goto: (url) => inWindow(handle, () => session.navigate(url)),
        reload: () =>
          inWindow(handle, async () => {
            await session.command("POST", "/refresh", {});
            await session.evaluate(LOADED);
          }),
        evaluate: (expression: string) => inWindow(handle, () => session.evaluate(expression)),
        close: () =>
          inWindow(handle, async () => {
            await session.command("DELETE", "/window");
            await session.command("POST", "/window", { handle: home });
          }),
      };
    },
    close: () => session.quit(),
  };
}

const LOADED = `document.readyState === "complete" || new Promise((r) => addEventListener("load", () => r(true), { once: true }))`;
