import type { BrowserCommand } from "vitest/node";
import type { Fault, ProducedBatch } from "../network.js";
import type { FaultProxy } from "./fault-proxy.js";

/**
 * Commands the browser tests call through `vitest/browser`'s `commands`;
 * they run in Node, next to the broker and the fault proxy.
 */
function proxy(): FaultProxy {
  const network = (globalThis as { __edgeqNetwork?: { proxy?: FaultProxy } }).__edgeqNetwork;
  if (!network?.proxy) throw new Error("the fault proxy is not running (global setup)");
  return network.proxy;
}

const pages = new Map<string, import("playwright").Page>();
let pageCount = 0;

const injectFault: BrowserCommand<[fault: Fault]> = (_ctx, fault) => {
  proxy().inject(fault);
};
const setOffline: BrowserCommand<[offline: boolean]> = (_ctx, offline) => {
  proxy().setOffline(offline);
};
const resetNetwork: BrowserCommand<[]> = () => {
  proxy().reset();
};
const producedBatches: BrowserCommand<[], ProducedBatch[]> = () => proxy().produced();

/** Opens another page of the test's origin (same IndexedDB, locks and channels): a second tab. */
const openPage: BrowserCommand<[path: string], string> = async (ctx, path) => {
  const origin = new URL(ctx.page.url()).origin;
  const page = await ctx.context.newPage();
  page.on("console", (m) => console.log(`[tab] ${m.text()}`));
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
  injectFault,
  setOffline,
  resetNetwork,
  producedBatches,
  openPage,
  evalInPage,
  closePage,
};
