import { defineBrowserProvider } from "@vitest/browser";
import type { BrowserProvider } from "vitest/node";
import { createMutex, type TabDriver } from "./tab-driver.js";
import { startWebDriverSession, type WebDriverSession } from "./webdriver-client.js";

export interface WebKitProviderOptions {
  /** WebKitGTK's driver, e.g. /usr/bin/WebKitWebDriver. */
  driverPath: string;
  /** WebKitGTK's MiniBrowser, e.g. /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser. */
  browserPath: string;
  /** The driver is started through it (MiniBrowser has no headless mode): ["xvfb-run", "-a"]. */
  wrapper: string[];
}

/**
 * Vitest browser provider for WebKit: WebKitGTK's MiniBrowser driven by
 * WebKitWebDriver over plain W3C WebDriver. Playwright's WebKit build cannot
 * be downloaded here, and WebdriverIO would add a large tree for the five
 * endpoints used.
 */
export function webkitGtk(options: WebKitProviderOptions) {
  return defineBrowserProvider({
    name: "webdriver-webkit",
    supportedBrowser: ["webkit"],
    options,
    providerFactory: () => new WebKitProvider(options),
  });
}

class WebKitProvider implements BrowserProvider {
  readonly name = "webdriver-webkit";
  readonly supportsParallelism = false;
  private main: Promise<WebDriverSession> | undefined;
  private mainHandle = "";
  // Other tabs: a window of the main session, or (newBrowser) a session of its own.
  private readonly tabs = new Map<string, { handle?: string; session?: WebDriverSession }>();
  private tabCount = 0;
  // A session has one current window: switching to another tab and back must not interleave.
  private readonly exclusive = createMutex();

  constructor(private readonly options: WebKitProviderOptions) {}

  private startSession(): Promise<WebDriverSession> {
    return startWebDriverSession({
      command: [...this.options.wrapper, this.options.driverPath],
      capabilities: {
        browserName: "MiniBrowser",
        "webkitgtk:browserOptions": { binary: this.options.browserPath, args: ["--automation"] },
        timeouts: { script: 120_000, pageLoad: 120_000 },
      },
    });
  }

  private mainSession(): Promise<WebDriverSession> {
    this.main ??= this.startSession().then(async (session) => {
      this.mainHandle = await session.command<string>("GET", "/window");
      return session;
    });
    return this.main;
  }

  async openPage(_sessionId: string, url: string): Promise<void> {
    const session = await this.mainSession();
    await this.exclusive(() => session.command("POST", "/url", { url }));
  }

  getCommandsContext(): { tabs: TabDriver } {
    const inWindow = async <T>(handle: string, work: (s: WebDriverSession) => Promise<T>) => {
      const main = await this.mainSession();
      return this.exclusive(async () => {
        await main.command("POST", "/window", { handle });
        try {
          return await work(main);
        } finally {
          await main.command("POST", "/window", { handle: this.mainHandle });
        }
      });
    };
    return {
      tabs: {
        currentUrl: async () => {
          const main = await this.mainSession();
          return this.exclusive(() => main.command<string>("GET", "/url"));
        },
        open: async (url, { newBrowser }) => {
          const id = `webkit-page-${++this.tabCount}`;
          if (newBrowser) {
            // A second MiniBrowser (automation sessions are ephemeral): nothing shared with the first.
            const session = await this.startSession();
            await session.navigate(url);
            this.tabs.set(id, { session });
            return id;
          }
          const main = await this.mainSession();
          // A window, not a tab: a background tab would make the test's page hidden.
          const { handle } = await this.exclusive(() =>
            main.command<{ handle: string }>("POST", "/window/new", { type: "window" }),
          );
          await inWindow(handle, (s) => s.navigate(url));
          this.tabs.set(id, { handle });
          return id;
        },
        evaluate: async (id, expression) => {
          const tab = this.tabs.get(id);
          if (!tab) throw new Error(`no page ${id}`);
          if (tab.session) return tab.session.evaluate(expression);
          return inWindow(tab.handle ?? "", (s) => s.evaluate(expression));
        },
        close: async (id) => {
          const tab = this.tabs.get(id);
          this.tabs.delete(id);
          if (tab?.session) await tab.session.quit();
          else if (tab?.handle) await inWindow(tab.handle, (s) => s.command("DELETE", "/window"));
        },
      },
    };
  }

  async close(): Promise<void> {
    const main = this.main;
    this.main = undefined;
    await Promise.all([...this.tabs.values()].map((t) => t.session?.quit()));
    this.tabs.clear();
    await (await main)?.quit();
  }
}
