import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../../packages/browser/test/setup/chromium.js";
import {
  type LocalBroker,
  startLocalBroker,
} from "../../../packages/worker/test-node/local-broker.js";

// The README's walkthrough runs on `npm start`, Vite's dev server: the service
// worker is served from /src/sw.ts there, and must still control the whole app.
const root = fileURLToPath(new URL("..", import.meta.url));

let broker: LocalBroker;
let app: ViteDevServer;
let browser: Browser;

beforeAll(async () => {
  broker = await startLocalBroker({
    // The app signs its people in (dev/sign-in.ts); this test sends nothing.
    tokens: {},
    topics: { orders: { queueCount: 4 } },
  });
  process.env.VITE_EDGEQ_URL = broker.url;
  app = await createServer({
    root,
    logLevel: "warn",
    server: { port: 0, host: "127.0.0.1", hmr: false },
  });
  await app.listen();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await broker?.stop();
});

it("under the dev server, the service worker controls the app and a reload with the network off shows it", async () => {
  const url = app.resolvedUrls?.local[0] ?? "";
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toBe(url);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  expect(await page.textContent("h1")).toBe("Field orders");
  await context.close();
});
