import { HttpTransport, type PushConsumer } from "@edgeq/core";
import { startRequestReplay } from "@edgeq/core/replay";
import { type Browser, chromium } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../../packages/browser/test/setup/chromium.js";
import {
  type LocalBroker,
  startLocalBroker,
} from "../../../packages/worker/test-node/local-broker.js";
import { startOrigin } from "../src/origin.js";

const TOKEN = "dev-token";
let broker: LocalBroker;
let origin: Awaited<ReturnType<typeof startOrigin>>;
let browser: Browser;

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics: { orders: { queueCount: 2, maxReconsumeTimes: 3 } },
  });
  origin = await startOrigin();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await origin?.stop();
  await broker?.stop();
});

describe("a Workbox Background Sync app, its plugin switched to edgeq", () => {
  it("queues what fails offline and replays every request to the origin once, in order", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const query = new URLSearchParams({ broker: broker.url, token: TOKEN });
    await page.goto(`${origin.url}/?${query}`);
    // The worker claims the page once active; from then on it sees the page's requests.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const post = (n: number) =>
      page.evaluate(
        (n) =>
          (globalThis as never as { postOrder: (o: unknown) => Promise<string> }).postOrder({
            n,
            item: `item ${n}`,
          }),
        n,
      );

    // Online, a request goes straight to the API, as before.
    expect(await post(0)).toBe("sent");
    expect(origin.applied.map((o) => o.body)).toEqual([{ n: 0, item: "item 0" }]);

    await context.setOffline(true);
    const offline: string[] = [];
    for (let n = 1; n <= 5; n++) offline.push(await post(n));
    // The page got the network error, as with Workbox's plugin; the worker kept each request.
    expect(offline).toEqual(["queued", "queued", "queued", "queued", "queued"]);
    expect(origin.arrivals()).toBe(1);

    const replay: PushConsumer = await startRequestReplay(
      new HttpTransport({ url: broker.url, token: TOKEN }),
      {
        topic: "orders",
        group: "replay",
        origin: origin.url,
        pollWaitMs: 200,
        onError: () => undefined,
      },
    );
    try {
      // The origin is down for the first replay: the consumer retries it, in order.
      origin.failNext(1);
      await context.setOffline(false);
      await expect.poll(() => origin.applied.length, { timeout: 30_000 }).toBe(6);
      expect(origin.applied.map((o) => (o.body as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5]);
      // Every replay carried its own Idempotency-Key, and each was applied once.
      const keys = origin.applied.slice(1).map((o) => o.idempotencyKey);
      expect(new Set(keys).size).toBe(5);
      expect(keys.every((k) => typeof k === "string" && k.length > 0)).toBe(true);
      // 1 online, 5 replayed, and the one refused while the origin was down, tried again.
      expect(origin.arrivals()).toBe(7);
      // Nothing went to the dead-letter queue.
      expect(
        await new HttpTransport({ url: broker.url, token: TOKEN }).listDeadLetters(
          "orders",
          "replay",
        ),
      ).toEqual([]);
    } finally {
      await replay.close();
      await context.close();
    }
  });
});

describe("the same without Workbox (captureFailedRequests)", () => {
  it("answers 202 for what it queued offline, and the replay applies each once, in order", async () => {
    origin.applied.length = 0;
    const context = await browser.newContext();
    const page = await context.newPage();
    const query = new URLSearchParams({ broker: broker.url, token: TOKEN, sw: "sw-standalone.js" });
    await page.goto(`${origin.url}/?${query}`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const post = (n: number) =>
      page.evaluate(
        (n) =>
          (globalThis as never as { postOrder: (o: unknown) => Promise<string> }).postOrder({
            n,
            item: `item ${n}`,
          }),
        n,
      );
    expect(await post(10)).toBe("sent");
    await context.setOffline(true);
    const offline: string[] = [];
    for (let n = 11; n <= 13; n++) offline.push(await post(n));
    expect(offline).toEqual(["accepted", "accepted", "accepted"]);

    const replay = await startRequestReplay(new HttpTransport({ url: broker.url, token: TOKEN }), {
      topic: "orders",
      group: "replay-standalone",
      origin: origin.url,
      pollWaitMs: 200,
      onError: () => undefined,
    });
    try {
      await context.setOffline(false);
      await expect.poll(() => origin.applied.length, { timeout: 30_000 }).toBe(4);
      expect(origin.applied.map((o) => (o.body as { n: number }).n)).toEqual([10, 11, 12, 13]);
    } finally {
      await replay.close();
      await context.close();
    }
  });
});
