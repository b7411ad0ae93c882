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
/** Test artefacts (gitignored); the README shows one. */
const screenshotPath = (name: string) => join(root, "__screenshots__", name);
/** The test's own reads of the broker: a static token the app never sees. */
const TOKEN = "e2e-token";
/**
 * The app's people sign in through the dev sign-in routes (dev/sign-in.ts),
 * which mint per-user tokens with this; the broker allows no clock skew, so
 * a token is refused the second it expires.
 */
const JWT = {
  issuer: "edgeq-e2e",
  audience: "edgeq",
  secret: "e2e-only-secret-0123456789abcdefghijkl",
  clockSkewSeconds: 0,
};

let broker: LocalBroker;
let app: PreviewServer;
let browser: Browser;
let outDir: string;
let appUrl: string;

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    // An order's message over 600 bytes is refused (413): how a refused order looks.
    topics: { orders: { queueCount: 4, maxMessageBytes: 600 } },
    jwt: JWT,
  });
  // Read by the preview server's sign-in routes, in this process, at each token they mint.
  process.env.EDGEQ_JWT = JSON.stringify(JWT);
  process.env.EDGEQ_DEV_TOKEN_TTL_S = "300";
  // The production build, pointed at this broker, served as a static site.
  outDir = await mkdtemp(join(tmpdir(), "edgeq-pwa-"));
  process.env.VITE_EDGEQ_URL = broker.url;
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

async function open(page: Page): Promise<void> {
  page.on("pageerror", (error) => console.error("[page]", error.message));
  await page.goto(appUrl);
  await page.waitForSelector("body[data-ready=true]");
}

/** Signs in on the app's form; the session cookie then holds for every page of the context. */
async function signIn(page: Page, user: string): Promise<void> {
  await page.fill("#sign-in input[name=user]", user);
  await page.click("#sign-in button[type=submit]");
  await page.waitForSelector(`body[data-user="${user}"]`);
}

async function addOrder(page: Page, customer: string, item: string, quantity: number) {
  const before = Number(await page.textContent("#pending"));
  await page.fill("input[name=customer]", customer);
  await page.fill("input[name=item]", item);
  await page.fill("input[name=quantity]", String(quantity));
  await page.click("#new-order button[type=submit]");
  // Durable before the next one: the pending count moved.
  await page.waitForFunction(
    (n) => Number(document.getElementById("pending")?.textContent) > n,
    before,
  );
}

async function addOrders(page: Page, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++)
    await addOrder(page, `customer-${i % 5}`, `item-${i}`, 1 + (i % 3));
}

/** The state badge of each order shown, newest first. */
const orderStates = (page: Page) =>
  page.$$eval("#orders .state", (badges) => badges.map((b) => (b as HTMLElement).dataset.state));

async function brokerMessages(): Promise<Message[]> {
  const transport = new HttpTransport({ url: broker.url, token: TOKEN });
  const out: Message[] = [];
  for (let q = 0; q < 4; q++)
    out.push(...(await transport.read("orders", q, { from: 0, limit: 1000 })).messages);
  return out;
}

it("delivers orders made offline, across a reload and a second tab, exactly once and in order", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await open(page);
  await signIn(page, "agent-1");
  // The service worker takes control and caches the app shell as the page loads it again.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  await context.setOffline(true);
  await addOrders(page, 0, 20);
  // A reload while offline: the shell comes from the service worker's cache, the orders from IndexedDB.
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  expect(await page.textContent("#online")).toBe("offline");
  expect(Number(await page.textContent("#pending"))).toBe(20);
  await addOrders(page, 20, 20);
  const second = await context.newPage();
  await open(second);
  await addOrders(second, 40, 10);
  expect(await brokerMessages()).toEqual([]);

  await context.setOffline(false);
  await page.waitForFunction(
    () => document.getElementById("pending")?.textContent === "0",
    undefined,
    {
      timeout: 60_000,
    },
  );
  await second.waitForFunction(() => document.getElementById("synced")?.textContent === "50");

  const messages = await brokerMessages();
  const producerId = messages[0]?.producerId;
  expect(messages.every((m) => m.producerId === producerId)).toBe(true);
  expect(messages.map((m) => m.seq).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  // In order: by seq, the items are the ones typed, in the order they were typed.
  const bySeq = [...messages].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  expect(bySeq.map((m) => (m.body as { order: { item: string } }).order.item)).toEqual(
    Array.from({ length: 50 }, (_, i) => `item-${i}`),
  );
  // Each order in the app's own store has its message, and no message lacks its order.
  const stored = await page.evaluate(async () => {
    const outbox = (
      globalThis as unknown as {
        edgeqOutbox: { db: { getAll(s: string): Promise<Array<{ id: string }>> } };
      }
    ).edgeqOutbox;
    return (await outbox.db.getAll("orders")).map((o) => o.id).sort();
  });
  expect(bySeq.map((m) => (m.body as { order: { id: string } }).order.id).sort()).toEqual(stored);
  await context.close();
});

/** The outbox's producer id in that page (one per database: the page's and its service worker's). */
const producerIdIn = (page: Page) =>
  page.evaluate(
    () => (globalThis as unknown as { edgeqOutbox: { producerId: string } }).edgeqOutbox.producerId,
  );

/** Tags of Background Sync registrations still waiting to fire. */
const syncTags = (page: Page) =>
  page.evaluate(async () => {
    const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
      sync: { getTags(): Promise<string[]> };
    };
    return registration.sync.getTags();
  });

it("flushes the outbox from the service worker on a sync event, with no page open", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await open(page);
  await signIn(page, "agent-2");
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  const producerId = await producerIdIn(page);
  const ours = async () => (await brokerMessages()).filter((m) => m.producerId === producerId);
  // The page registers Background Sync as it loads, and online the browser fires
  // that at once (an empty flush). Once no tag waits, the only sync is the one sent below.
  await expect.poll(() => syncTags(page)).toEqual([]);

  await context.setOffline(true);
  await addOrders(page, 100, 5);
  expect(Number(await page.textContent("#pending"))).toBe(5);
  // No page left whose outbox could sync: only the service worker can deliver them now.
  await page.close();
  await context.setOffline(false);
  expect(await ours()).toEqual([]);

  // A blank page (not the app) to reach the browser's service workers over CDP.
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const scope = new URL("/", appUrl).href;
  const registrationId = new Promise<string>((resolve) =>
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const app = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
      if (app) resolve(app.registrationId);
    }),
  );
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.dispatchSyncEvent", {
    origin: new URL(appUrl).origin,
    registrationId: await registrationId,
    tag: "edgeq-outbox",
    lastChance: false,
  });

  await expect.poll(async () => (await ours()).length, { timeout: 30_000 }).toBe(5);
  const messages = (await ours()).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  expect(messages.map((m) => (m.body as { order: { item: string } }).order.item)).toEqual(
    Array.from({ length: 5 }, (_, i) => `item-${100 + i}`),
  );
  // The service worker's outbox recorded the acknowledgements in IndexedDB: a page
  // opened now has nothing pending and sends nothing again.
  const again = await context.newPage();
  await open(again);
  expect(await again.textContent("#pending")).toBe("0");
  expect(await producerIdIn(again)).toBe(producerId);
  expect(await syncTags(again)).toEqual([]);
  expect((await ours()).length).toBe(5);
  await cdp.detach();
  await context.close();
});

it("shows each order's state through an offline → online cycle; a refused order can be retried or discarded", async () => {
  const context = await browser.newContext({ viewport: { width: 760, height: 900 } });
  const page = await context.newPage();
  await open(page);
  await signIn(page, "agent-3");
  const producerId = await producerIdIn(page);
  await context.setOffline(true);
  await addOrders(page, 300, 2);
  // Far over the broker's 600 bytes: it will be refused once it reaches the server.
  await addOrder(page, "customer-big", `crate of ${"x".repeat(800)}`, 1);
  await page.waitForFunction(() => document.querySelectorAll("#orders .state").length === 3);
  expect(await orderStates(page)).toEqual(["saved", "saved", "saved"]);
  await expect
    .poll(() => page.textContent("[data-outbox-state=pending] h3"))
    .toBe("Saved, not sent yet: 3");
  expect(await page.textContent("#online")).toBe("offline");

  await context.setOffline(false);
  await page.waitForFunction(
    () =>
      Array.from(
        document.querySelectorAll<HTMLElement>("#orders .state"),
        (b) => b.dataset.state,
      ).join() === "refused,server,server",
    undefined,
    { timeout: 60_000 },
  );
  const big = page.locator("#orders li", { hasText: "crate of" });
  expect(await big.locator(".state").textContent()).toMatch(/^Refused by the server: .*\S/);
  await expect.poll(() => page.textContent("[data-outbox-state=deadLetter] h3")).toBe("Refused: 1");
  await expect
    .poll(() => page.textContent("[data-outbox-state=acknowledged] h3"))
    .toBe("On the server (latest): 2");
  await page.screenshot({ path: screenshotPath("pwa-orders.png"), fullPage: true });

  // Retry: a new message for the order (the broker refuses it again, with the same limit).
  const messageIdOf = () =>
    page.evaluate(async () => {
      const outbox = (
        globalThis as unknown as {
          edgeqOutbox: {
            db: { getAll(s: string): Promise<Array<{ item: string; messageId: string }>> };
          };
        }
      ).edgeqOutbox;
      return (await outbox.db.getAll("orders")).find((o) => o.item.startsWith("crate"))?.messageId;
    });
  const first = await messageIdOf();
  await big.getByRole("button", { name: "Retry" }).click();
  await expect.poll(messageIdOf).not.toBe(first);
  const second = await messageIdOf();
  // The order shows its new message, refused in turn.
  await expect
    .poll(async () => [
      await big.getAttribute("data-message-id"),
      await big.locator(".state").getAttribute("data-state"),
    ])
    .toEqual([second, "refused"]);
  await expect.poll(() => page.textContent("[data-outbox-state=deadLetter] h3")).toBe("Refused: 1");

  await big.getByRole("button", { name: "Discard" }).click();
  await expect.poll(() => big.locator(".state").getAttribute("data-state")).toBe("discarded");
  await expect.poll(() => page.textContent("[data-outbox-state=deadLetter] h3")).toBe("Refused: 0");
  const delivered = (await brokerMessages()).filter((m) => m.producerId === producerId);
  expect(delivered.map((m) => (m.body as { order: { item: string } }).order.item).sort()).toEqual([
    "item-300",
    "item-301",
  ]);
  await context.close();
});

it("sends as the signed-in person: a token that expires while orders wait is refreshed; with the session gone, sending pauses until a sign-in", async () => {
  const context = await browser.newContext();
  // The broker's answers to produce calls and the sign-in server's token answers, in order
  // (a context sees its service worker's requests too).
  const produced: number[] = [];
  const minted: number[] = [];
  context.on("response", (response) => {
    const url = new URL(response.url());
    if (url.href.startsWith(`${broker.url}/v1/topics/orders/messages`))
      produced.push(response.status());
    if (url.pathname === "/dev/token") minted.push(response.status());
  });
  const page = await context.newPage();
  await open(page);
  // The load registered Background Sync; once it has fired, only this page sends.
  await expect.poll(() => syncTags(page)).toEqual([]);
  const producerId = await producerIdIn(page);
  const ours = async () => (await brokerMessages()).filter((m) => m.producerId === producerId);
  /** Signs in with a token that lives 2 s; resolves with when the broker will refuse it. */
  const signInShortLived = async (where: Page, user: string) => {
    process.env.EDGEQ_DEV_TOKEN_TTL_S = "2";
    await signIn(where, user);
    process.env.EDGEQ_DEV_TOKEN_TTL_S = "300";
    // exp is in whole seconds, at most 2 s after now; refused from that second on.
    return (Math.floor(Date.now() / 1000) + 3) * 1000;
  };
  const waitUntil = (time: number) =>
    expect.poll(() => Date.now(), { interval: 100 }).toBeGreaterThanOrEqual(time);

  // 1. The token expires while orders wait offline: back online, the broker refuses it
  // once, the outbox asks the session for a fresh one and sends again.
  const expired = await signInShortLived(page, "alice");
  await context.setOffline(true);
  await addOrders(page, 500, 3);
  await waitUntil(expired);
  await context.setOffline(false);
  await expect.poll(async () => (await ours()).length).toBe(3);
  expect(produced).toEqual([401, 200]);
  expect(minted).toEqual([200]);
  await expect.poll(() => orderStates(page)).toEqual(["server", "server", "server"]);

  // 2. The session ends in another tab while this one holds a short-lived token: once
  // it expires there is no fresh one, and the syncing tab pauses, saying why.
  const expiredAgain = await signInShortLived(page, "alice");
  const other = await context.newPage();
  await open(other);
  await other.click("#sign-out");
  await other.waitForSelector('body[data-user=""]');
  await context.setOffline(true);
  await addOrders(page, 600, 2);
  await waitUntil(expiredAgain);
  await context.setOffline(false);
  await page.waitForSelector("#paused:not([hidden])");
  expect(produced.slice(2)).toEqual([401]);
  expect(minted.slice(1)).toEqual([401]);
  expect((await ours()).length).toBe(3);
  expect(Number(await page.textContent("#pending"))).toBe(2);

  // 3. Signing in again, in the other tab, resumes the syncing one: everything once, in order.
  await signIn(other, "alice");
  await expect.poll(async () => (await ours()).length).toBe(5);
  await page.waitForSelector("#paused", { state: "hidden" });
  const messages = (await ours()).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  expect(messages.map((m) => (m.body as { order: { item: string } }).order.item)).toEqual([
    "item-500",
    "item-501",
    "item-502",
    "item-600",
    "item-601",
  ]);
  expect(produced.at(-1)).toBe(200);
  expect(await page.textContent("#pending")).toBe("0");
  await context.close();
});
