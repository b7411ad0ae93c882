import type { Page } from "playwright";
import type { BrowserCommand, BrowserCommandContext } from "vitest/node";
import type { TabDriver } from "./engines/tab-driver.js";

/**
 * Commands the browser tests call through `vitest/browser`'s `commands`; they
 * run in Node and drive other pages of the test's origin (more tabs), in
 * whichever engine runs the test (see engines/).
 * The network itself is steered over HTTP (see fault-proxy.ts).
 */
export interface OpenPageOptions {
  /**
   * Open it in a new browser context: a second browser, with its own
   * IndexedDB, locks and channels (the same origin, nothing shared). Closed with the page.
   */
  newBrowser?: boolean;
}

/** Opens another page of the test's origin (same IndexedDB, locks and channels): a second tab. */
const openPage: BrowserCommand<[path: string, options?: OpenPageOptions], string> = async (
  ctx,
  path,
  options = {},
) => {
  const tabs = tabDriver(ctx);
  const origin = new URL(await tabs.currentUrl()).origin;
  const newBrowser = options.newBrowser ?? false;
  return tabs.open(`${origin}${path}`, { newBrowser, label: newBrowser ? "browser" : "tab" });
};
/** Runs a global function of that page's script, e.g. `tab.send(…)`, and returns its result. */
const evalInPage: BrowserCommand<[id: string, expression: string], unknown> = (
  ctx,
  id,
  expression,
) => tabDriver(ctx).evaluate(id, expression);
const closePage: BrowserCommand<[id: string]> = (ctx, id) => tabDriver(ctx).close(id);

export const commands = {
  openPage,
  evalInPage,
  closePage,
};

/** The custom providers (Firefox, WebKit) hand out a TabDriver; Playwright's context is adapted. */
function tabDriver(ctx: BrowserCommandContext): TabDriver {
  const custom = (ctx as unknown as { tabs?: TabDriver }).tabs;
  if (custom) return custom;
  return playwrightTabs(ctx as unknown as PlaywrightContext);
}

interface PlaywrightContext {
  page: Page;
  context: import("playwright").BrowserContext;
}

const playwrightPages = new Map<string, Page>();
let playwrightCount = 0;

function playwrightTabs(ctx: PlaywrightContext): TabDriver {
  return {
    currentUrl: async () => ctx.page.url(),
    async open(url, { newBrowser, label }) {
      const context = newBrowser ? await ctx.context.browser()?.newContext() : ctx.context;
      if (!context) throw new Error("no browser to open a new context in");
      const page = await context.newPage();
      if (newBrowser) page.on("close", () => void context.close());
      page.on("console", (m) => console.log(`[${label}] ${m.text()}`));
      await page.goto(url);
      const id = `page-${++playwrightCount}`;
      playwrightPages.set(id, page);
      return id;
    },
    evaluate(id, expression) {
      const page = playwrightPages.get(id);
      if (!page) throw new Error(`no page ${id}`);
      return page.evaluate(expression);
    },
    async close(id) {
      await playwrightPages.get(id)?.close();
      playwrightPages.delete(id);
    },
  };
}
