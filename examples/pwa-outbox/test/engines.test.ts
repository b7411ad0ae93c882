import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpTransport, type Message } from "@edgeq/core";
import { build, type PreviewServer, preview } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectedEngines } from "../../../packages/browser/test/setup/engines/engine-list.js";
import {
  type LocalBroker,
  startLocalBroker,
} from "../../../packages/worker/test-node/local-broker.js";
import { type AppBrowser, type AppPage, launchAppBrowser, waitFor } from "./support/app-browser.js";
import { startSwitchableNetwork } from "./support/switchable-network.js";

// The PWA's promise in every engine, Background Sync or not: Chromium, Firefox
// (no SyncManager) and WebKit (Safari's engine, no SyncManager). "The network"
// is a relay in front of both the app's server and the broker (see
// support/switchable-network.ts): the same cut in every engine.
const root = fileURLToPath(new URL("..", import.meta.url));
const TOKEN = "engines-token";
const JWT = {
  issuer: "edgeq-engines",
  audience: "edgeq",
  secret: "engines-only-secret-0123456789abcdefgh",
  clockSkewSeconds: 0,
};

let broker: LocalBroker;
let app: PreviewServer;
let outDir: string;
let appNet: Awaited<ReturnType<typeof startSwitchableNetwork>>;
let brokerNet: Awaited<ReturnType<typeof startSwitchableNetwork>>;

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics: { orders: { queueCount: 4 } },
    jwt: JWT,
  });
  brokerNet = await startSwitchableNetwork(broker.url);
  process.env.EDGEQ_JWT = JSON.stringify(JWT);
  process.env.EDGEQ_DEV_TOKEN_TTL_S = "300";
  outDir = await mkdtemp(join(tmpdir(), "edgeq-pwa-engines-"));
  // The app reaches the broker through the switchable network.
  process.env.VITE_EDGEQ_URL = brokerNet.url.replace(/\/$/, "");
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
  appNet = await startSwitchableNetwork(app.resolvedUrls?.local[0] ?? "");
});

afterAll(async () => {
  await appNet?.stop();
  await brokerNet?.stop();
  await app?.close();
  await broker?.stop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

function setOffline(offline: boolean): void {
  appNet.setOffline(offline);
  brokerNet.setOffline(offline);
}

async function brokerMessages(): Promise<Message[]> {
  const transport = new HttpTransport({ url: broker.url, token: TOKEN });
  const out: Message[] = [];
  for (let q = 0; q < 4; q++)
    out.push(...(await transport.read("orders", q, { from: 0, limit: 1000 })).messages);
  return out.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

const itemOf = (m: Message) => (m.body as { order: { item: string } }).order.item;

/** The broker's messages of the orders tagged `tag-…` (each test its own tag), by seq. */
async function ordersTagged(tag: string): Promise<Message[]> {
  return (await brokerMessages()).filter((m) => itemOf(m).startsWith(`${tag}-`));
}

async function open(page: AppPage, path = ""): Promise<void> {
  await page.goto(`${appNet.url}${path}`);
  await waitFor(page, `document.body.dataset.ready === "true"`);
}

async function signIn(page: AppPage, user: string): Promise<void> {
  await page.evaluate(`(() => {
    const form = document.getElementById("sign-in");
    form.querySelector("input[name=user]").value = ${JSON.stringify(user)};
    form.requestSubmit();
  })()`);
  await waitFor(page, `document.body.dataset.user === ${JSON.stringify(user)}`);
}

/** Types and submits orders one by one, each durable (the pending count moved) before the next. */
async function addOrders(page: AppPage, tag: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const before = Number(await page.evaluate(`document.getElementById("pending").textContent`));
    await page.evaluate(`(() => {
      const form = document.getElementById("new-order");
      form.querySelector("[name=customer]").value = "customer-${i % 2}";
      form.querySelector("[name=item]").value = "${tag}-${i}";
      form.querySelector("[name=quantity]").value = "1";
      form.requestSubmit();
    })()`);
    await waitFor(page, `Number(document.getElementById("pending").textContent) > ${before}`);
  }
}

const pending = (page: AppPage) =>
  page.evaluate(`Number(document.getElementById("pending").textContent)`);

describe.each(selectedEngines())("%s", (engine) => {
  let browser: AppBrowser;
  beforeAll(async () => {
    browser = await launchAppBrowser(engine);
  });
  afterAll(async () => {
    setOffline(false);
    await browser?.close();
  });

  it("two tabs offline, the syncing one closed, a reload, back online: every order once, in order", async () => {
    const context = await browser.newContext();
    try {
      const first = await context.newPage();
      await open(first);
      await signIn(first, `agent-${engine}`);
      await waitFor(first, `document.body.dataset.offlineReady === "true"`);
      setOffline(true);
      await addOrders(first, `${engine}-a`, 3);
      // A second tab, opened offline: the shell from the service worker, the orders from IndexedDB.
      const second = await context.newPage();
      await open(second);
      await addOrders(second, `${engine}-b`, 3);
      // The first tab holds the sync lock (the second stands by); closing it hands it over.
      expect(await first.evaluate(`globalThis.edgeqOutbox.state`)).not.toBe("standby");
      expect(await second.evaluate(`globalThis.edgeqOutbox.state`)).toBe("standby");
      await first.close();
      await second.reload();
      await waitFor(second, `document.body.dataset.ready === "true"`);
      expect(await pending(second)).toBe(6);
      expect(await ordersTagged(engine)).toEqual([]);

      setOffline(false);
      // No `online` event here (the browser's network never changed): the outbox's
      // retry and interval timers find the way, as after a dead Wi-Fi.
      await waitFor(second, `document.getElementById("pending").textContent === "0"`, 60_000);
      const mine = await ordersTagged(engine);
      expect(mine.map(itemOf)).toEqual(
        ["a", "b"].flatMap((tab) => [0, 1, 2].map((i) => `${engine}-${tab}-${i}`)),
      );
      expect(new Set(mine.map((m) => m.producerId)).size).toBe(1);
    } finally {
      setOffline(false);
      await context.close();
    }
  });

  it("with every page closed, the service worker delivers when the app is next opened, before any page code runs", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await open(page);
      await signIn(page, `sw-${engine}`);
      await waitFor(page, `document.body.dataset.offlineReady === "true"`);
      setOffline(true);
      await addOrders(page, `sw-${engine}`, 2);
      await page.close();
      setOffline(false);
      // A navigation the worker answers, to a file with no script: only the
      // worker's wake-up flush can send (flushOnWake in src/sw.ts).
      const wake = await context.newPage();
      await wake.goto(`${appNet.url}sw.js`);
      await expect
        .poll(async () => (await ordersTagged(`sw-${engine}`)).map(itemOf), { timeout: 30_000 })
        .toEqual([`sw-${engine}-0`, `sw-${engine}-1`]);
    } finally {
      setOffline(false);
      await context.close();
    }
  });
});
