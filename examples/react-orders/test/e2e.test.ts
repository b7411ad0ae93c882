import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpTransport, type Message } from "@edgeq/core";
import { type Browser, chromium, type Page } from "playwright";
import { build, type PreviewServer, preview } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../../packages/browser/test/setup/chromium.js";
import {
  type LocalBroker,
  startLocalBroker,
} from "../../../packages/worker/test-node/local-broker.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const TOKEN = "e2e-token";

let broker: LocalBroker;
let app: PreviewServer;
let browser: Browser;
let outDir: string;
let appUrl: string;

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    // An order's message over 600 bytes is refused (413): how a refused order looks.
    topics: { orders: { queueCount: 2, maxMessageBytes: 600 } },
  });
  // The production build, pointed at this broker, served as a static site.
  outDir = await mkdtemp(join(tmpdir(), "edgeq-react-"));
  process.env.VITE_EDGEQ_URL = broker.url;
  process.env.VITE_EDGEQ_TOKEN = TOKEN;
  // Vitest runs with NODE_ENV=test, which would make this a development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  await build({ root, mode: "production", logLevel: "warn", build: { outDir, emptyOutDir: true } });
  process.env.NODE_ENV = nodeEnv;
  app = await preview({
    root,
    logLevel: "warn",
    build: { outDir },
    preview: { port: 0, host: "127.0.0.1" },
  });
  appUrl = app.resolvedUrls?.local[0] ?? "";
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await broker?.stop();
  await rm(outDir, { recursive: true, force: true });
});

async function addOrder(page: Page, customer: string, item: string): Promise<void> {
  const before = await page.locator("ul[aria-label=orders] > li").count();
  await page.fill("input[name=customer]", customer);
  await page.fill("input[name=item]", item);
  await page.click("button[type=submit]");
  // Durable in IndexedDB once it is listed.
  await expect.poll(() => page.locator("ul[aria-label=orders] > li").count()).toBe(before + 1);
}

/** Each order's progress, newest first. */
const progress = (page: Page) =>
  page.$$eval("ul[aria-label=orders] .state", (s) =>
    s.map((e) => (e as HTMLElement).dataset.progress),
  );
const count = (page: Page, name: string) => page.textContent(`[data-count=${name}]`);

async function brokerMessages(): Promise<Message[]> {
  const transport = new HttpTransport({ url: broker.url, token: TOKEN });
  const out: Message[] = [];
  for (let q = 0; q < 2; q++)
    out.push(...(await transport.read("orders", q, { from: 0, limit: 1000 })).messages);
  return out.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

it("takes orders offline, shows each one's progress, and delivers them once when back online", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(appUrl);
  await expect.poll(() => page.textContent("[data-online]")).toBe("online");

  await addOrder(page, "Ada", "tea");
  await expect.poll(() => progress(page)).toEqual(["server"]);

  await context.setOffline(true);
  await expect.poll(() => page.textContent("[data-online]")).toBe("offline");
  await addOrder(page, "Ada", "milk");
  await addOrder(page, "Grace", "bread");
  // A new order's status loads from the outbox a moment after it shows: wait for it.
  await expect.poll(() => progress(page)).toEqual(["saved", "saved", "server"]);
  await expect.poll(() => count(page, "pending")).toBe("2");

  await context.setOffline(false);
  await expect.poll(() => progress(page)).toEqual(["server", "server", "server"]);
  await expect.poll(() => count(page, "pending")).toBe("0");
  expect(await count(page, "acknowledged")).toBe("3");
  // A second tab of the app shows the same outbox and the same orders.
  const second = await context.newPage();
  await second.goto(appUrl);
  await expect.poll(() => progress(second)).toEqual(["server", "server", "server"]);
  expect(await count(second, "acknowledged")).toBe("3");
  const stored = await brokerMessages();
  expect(stored.map((m) => (m.body as { order: { item: string } }).order.item)).toEqual([
    "tea",
    "milk",
    "bread",
  ]);

  // Too large for the topic: refused, kept with the reason (in both tabs), then discarded.
  await addOrder(page, "Ada", "x".repeat(700));
  await expect.poll(async () => (await progress(page))[0]).toBe("refused");
  await expect.poll(() => count(second, "deadLetters")).toBe("1");
  await second.close();
  expect(await page.textContent("[data-dead]")).toContain("too_large");
  await page.click("[data-dead] >> text=Discard");
  await expect.poll(() => page.locator("[data-dead]").count()).toBe(0);
  await expect.poll(async () => (await progress(page))[0]).toBe("discarded");

  // A reload keeps the orders (the app's state) and their progress (the outbox's).
  await page.reload();
  await expect.poll(() => progress(page)).toEqual(["discarded", "server", "server", "server"]);
  expect(errors).toEqual([]);
  await context.close();
});
