import type { BrowserCommand } from "vitest/node";

/**
 * Commands the browser tests call through `vitest/browser`'s `commands`; they
 * run in Node and drive other pages of the test's origin (more tabs).
 * The network itself is steered over HTTP (see fault-proxy.ts).
 */
const pages = new Map<string, import("playwright").Page>();
let pageCount = 0;

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
  const origin = new URL(ctx.page.url()).origin;
  const context = options.newBrowser ? await ctx.context.browser()?.newContext() : ctx.context;
  if (!context) throw new Error("no browser to open a new context in");
  const page = await context.newPage();
  if (options.newBrowser) page.on("close", () => void context.close());
  page.on("console", (m) => console.log(`[${options.newBrowser ? "browser" : "tab"}] ${m.text()}`));
  await page.goto(`${origin}${path}`);
  const id = `page-${++pageCount}`;
  pages.set(id, page);
  return id;
};
/** Runs a global function of that page's script, e.g. `tab.send(…)`, and returns its result. */
const evalInPage: BrowserCommand<[id: string, expression: string], unknown> = async (
  _ctx,
  id,
  expression,
) => {
  const page = pages.get(id);
  if (!page) throw new Error(`no page ${id}`);
  return page.evaluate(expression);
};
const closePage: BrowserCommand<[id: string]> = async (_ctx, id) => {
  await pages.get(id)?.close();
  pages.delete(id);
};

export const commands = {
  openPage,
  evalInPage,
  closePage,
};
