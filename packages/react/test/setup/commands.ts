import type { Page } from "playwright";
import type { BrowserCommand } from "vitest/node";
import { commands as browserCommands } from "../../../browser/test/setup/commands.js";

/**
 * Pages of the test's origin in browser contexts of their own, whose
 * network a test can switch off with the browser's own offline switch
 * (Playwright's): `navigator.onLine` turns false and the page gets
 * `offline`, as when a phone loses its signal. The test's own page cannot
 * go offline: Vitest talks to it over the network.
 */
const apps = new Map<string, Page>();
let appCount = 0;

const openApp: BrowserCommand<[path: string], string> = async (ctx, path) => {
  const origin = new URL(ctx.page.url()).origin;
  const context = await ctx.context.browser()?.newContext();
  if (!context) throw new Error("no browser to open a new context in");
  const page = await context.newPage();
  page.on("close", () => void context.close());
  page.on("console", (m) => console.log(`[app] ${m.text()}`));
  await page.goto(`${origin}${path}`);
  const id = `app-${++appCount}`;
  apps.set(id, page);
  return id;
};

function app(id: string): Page {
  const page = apps.get(id);
  if (!page) throw new Error(`no app page ${id}`);
  return page;
}

const evalInApp: BrowserCommand<[id: string, expression: string], unknown> = (
  _ctx,
  id,
  expression,
) => app(id).evaluate(expression);

const setAppOffline: BrowserCommand<[id: string, offline: boolean]> = async (_ctx, id, offline) => {
  await app(id).context().setOffline(offline);
};

const closeApp: BrowserCommand<[id: string]> = async (_ctx, id) => {
  await apps.get(id)?.close();
  apps.delete(id);
};

export const commands = { ...browserCommands, openApp, evalInApp, setAppOffline, closeApp };
