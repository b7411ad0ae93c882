// npm run screenshots -w @edgeq/worker: the README's console screenshots
// (docs/images/console-*.png), taken from the running console in headless
// Chromium against a real local broker (workerd) after a small workload: two
// groups lagging behind by different amounts, a dead letter, a message
// opened. They are documentation images written on purpose, not test
// artefacts (those stay in the gitignored __screenshots__/, see
// scripts/check-tracked.mjs).
import { fileURLToPath } from "node:url";
import { HttpTransport } from "@edgeq/core";
import { chromium, type Page } from "playwright";
import { CHROMIUM_ARGS, chromiumPath } from "../../browser/test/setup/chromium.js";
import { startLocalBroker } from "../test-node/local-broker.js";

const OUT = fileURLToPath(new URL("../../../docs/images/", import.meta.url));
const TOKEN = "dev-token";
/** How long the workload runs with the topic page open, so its charts show it live. */
const LIVE_MS = 16_000;

const broker = await startLocalBroker({
  tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
  topics: { orders: { queueCount: 4, maxReconsumeTimes: 1 }, events: { queueCount: 2 } },
});
const api = new HttpTransport({ url: broker.url, token: TOKEN });
const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
let seq = 0;

const produce = (n: number) =>
  api.send("orders", {
    producerId: "screenshots",
    messages: Array.from({ length: n }, () => {
      seq += 1;
      return {
        seq,
        key: `cart-${seq % 7}`,
        tags: seq % 3 ? ["checkout"] : ["checkout", "priority"],
        body: {
          order: seq,
          item: ["tea", "coffee", "cake"][seq % 3] ?? "tea",
          quantity: (seq % 4) + 1,
        },
      };
    }),
  });

/** Takes up to `n` messages for `group` and acknowledges them. */
async function consume(group: string, n: number): Promise<void> {
  const leased = await api.receive("orders", group, { max: n });
  if (leased.length)
    await api.ack(
      "orders",
      group,
      leased.map((m) => m.receipt),
    );
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${OUT}${name}`, fullPage: true });
  console.log(`docs/images/${name}`);
}

try {
  await produce(40);
  await consume("billing", 25);
  await consume("shipping", 10);
  // A message failed twice (maxReconsumeTimes 1) is a dead letter of billing.
  const [dead] = await produce(1);
  for (let i = 0; i < 50; i++) {
    if ((await api.listDeadLetters("orders", "billing")).length) break;
    const leased = await api.receive("orders", "billing", { max: 100, waitMs: 200 });
    const ours = leased.filter((m) => m.msgId === dead!.msgId);
    const others = leased.filter((m) => m.msgId !== dead!.msgId);
    if (others.length)
      await api.ack(
        "orders",
        "billing",
        others.map((m) => m.receipt),
      );
    if (ours.length)
      await api.nack(
        "orders",
        "billing",
        ours.map((m) => m.receipt),
        { delayMs: 0 },
      );
  }
  await produce(30);

  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await context.addInitScript(
    (token) => sessionStorage.setItem("edgeq-console-token", token),
    TOKEN,
  );
  const page = await context.newPage();
  await page.goto(`${broker.url}/console/topics/orders`);
  await page.waitForSelector("body[data-ready=true]");
  // A workload while the page polls: produce faster than shipping consumes.
  const end = Date.now() + LIVE_MS;
  while (Date.now() < end) {
    await produce(12);
    await consume("billing", 14);
    await consume("shipping", 5);
    await page.waitForTimeout(500);
  }
  await shot(page, "console-topic.png");

  await page.goto(`${broker.url}/console/topics/orders/groups/shipping`);
  await page.waitForSelector("body[data-ready=true]");
  await shot(page, "console-group.png");

  await page.goto(`${broker.url}/console/topics/orders/messages`);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForSelector("#browse-list tbody[data-msg-id]");
  await page.locator("#browse-list tr.msg").nth(1).click();
  await shot(page, "console-messages.png");

  await page.goto(`${broker.url}/console/topics/orders/groups/billing/dead-letters`);
  await page.waitForSelector("body[data-ready=true]");
  await shot(page, "console-dead-letters.png");

  await page.goto(`${broker.url}/console/topics/order`);
  await page.waitForSelector("body[data-ready=error]");
  await shot(page, "console-unknown-topic.png");
} finally {
  await browser.close();
  await broker.stop();
}
