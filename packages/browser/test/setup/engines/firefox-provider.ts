import { defineBrowserProvider } from "@vitest/browser";
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer-core";
import type { BrowserProvider } from "vitest/node";
import type { TabDriver } from "./tab-driver.js";

export interface FirefoxProviderOptions {
  executablePath: string;
  /** Firefox preferences for this profile (about:config). */
  prefs?: Record<string, unknown>;
}

/**
 * Vitest browser provider for a system Firefox, driven by puppeteer-core over
 * WebDriver BiDi: no geckodriver (not in Debian, and its npm package downloads
 * from a host CI cannot reach) and no Playwright-patched build. Playwright's
 * `moz-firefox` channel was tried and fails on Firefox ESR 153
 * (`emulation.setMediaFeaturesOverride: unknown command`).
 * puppeteer-core is pinned to 24.43.1: 25.x declares Node >= 22.12, we run on 20.
 */
export function puppeteerFirefox(options: FirefoxProviderOptions) {
  return defineBrowserProvider({
    name: "puppeteer-firefox",
    supportedBrowser: ["firefox"],
    options,
    providerFactory: () => new FirefoxProvider(options),
  });
}

class FirefoxProvider implements BrowserProvider {
  readonly name = "puppeteer-firefox";
  // One page runs the test files one after another: the tests share a broker and a 2-core machine.
  readonly supportsParallelism = false;
  private browser: Promise<Browser> | undefined;
  private readonly sessions = new Map<string, Page>();
  private readonly tabs = new Map<string, { page: Page; context?: BrowserContext }>();
  private tabCount = 0;

  constructor(private readonly options: FirefoxProviderOptions) {}

  private launch(): Promise<Browser> {
    this.browser ??= puppeteer.launch({
      browser: "firefox",
      executablePath: this.options.executablePath,
      headless: true,
      protocolTimeout: 120_000,
      extraPrefsFirefox: this.options.prefs,
    });
    return this.browser;
  }

  async openPage(sessionId: string, url: string): Promise<void> {
    const browser = await this.launch();
    await this.sessions.get(sessionId)?.close();
    const page = await browser.newPage();
    this.sessions.set(sessionId, page);
    await page.goto(url, { timeout: 0 });
  }

  getCommandsContext(sessionId: string): { tabs: TabDriver } {
    const session = () => {
      const page = this.sessions.get(sessionId);
      if (!page) throw new Error(`no Firefox page for session ${sessionId}`);
      return page;
    };
    const tab = (id: string) => {
      const found = this.tabs.get(id);
      if (!found) throw new Error(`no page ${id}`);
      return found.page;
    };
    return {
      tabs: {
        currentUrl: async () => session().url(),
        open: async (url, { newBrowser, label }) => {
          const browser = await this.launch();
          // A user context (Firefox's container) has its own IndexedDB, locks and channels.
          const context = newBrowser ? await browser.createBrowserContext() : undefined;
          const page = await (context ?? browser).newPage();
          page.on("console", (m) => console.log(`[${label}] ${m.text()}`));
          await page.goto(url);
          const id = `firefox-page-${++this.tabCount}`;
          this.tabs.set(id, { page, context });
          return id;
        },
        evaluate: (id, expression) => tab(id).evaluate(expression),
        close: async (id) => {
          const found = this.tabs.get(id);
          this.tabs.delete(id);
          await found?.page.close();
          await found?.context?.close();
        },
      },
    };
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    this.sessions.clear();
    this.tabs.clear();
    await (await browser)?.close();
  }
}
