import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { server } from "vitest/browser";
import { flushOnWake } from "../src/index.js";
import { freshOutbox, healthyNetwork, messagesOf, network } from "./helpers.js";

beforeEach(healthyNetwork);
afterEach(healthyNetwork);

/** A failed attempt waits this long before the next: far over the test's patience. */
// No jitter: the wait is the whole minute.
const LONG = { baseMs: 60_000, maxMs: 60_000, random: () => 0.999 };

/** The outbox tried, failed (the network is off), and now waits out its long backoff. */
async function stuckOutbox() {
  await network.setOffline(true);
  const outbox = await freshOutbox({ backoff: LONG, syncIntervalMs: 60_000 });
  await outbox.send({ stuck: true });
  await expect
    .poll(() => outbox.state, { message: "a refused attempt and its backoff" })
    .toBe("backoff");
  await network.setOffline(false);
  return outbox;
}

const delivered = async (producerId: string) =>
  (await messagesOf("outbox", producerId)).map((m) => m.body);

// Firefox and WebKit (Safari) have no Background Sync: nothing wakes a service
// worker when the network returns, so the outbox relies on its own triggers.
describe(`where Background Sync is missing (${server.browser})`, () => {
  it("has SyncManager in Chromium only", () => {
    expect("SyncManager" in globalThis).toBe(server.browser === "chromium");
  });

  it("a page shown again (back/forward cache) syncs at once, without waiting out the backoff", async () => {
    const outbox = await stuckOutbox();
    // A restore from the back/forward cache; Vitest's page cannot really leave and
    // come back, so the event the browser fires then is dispatched here.
    window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
    await expect.poll(() => delivered(outbox.producerId)).toEqual([{ stuck: true }]);
    await outbox.close();
  });

  it("a page made visible again syncs at once", async () => {
    const outbox = await stuckOutbox();
    // The test's page is visible already; the event is what a tab switch fires.
    expect(document.visibilityState).toBe("visible");
    document.dispatchEvent(new Event("visibilitychange"));
    await expect.poll(() => delivered(outbox.producerId)).toEqual([{ stuck: true }]);
    await outbox.close();
  });

  it("the service worker's wake-up flush delivers what a closed page left", async () => {
    const outbox = await stuckOutbox();
    const name = outbox.db.name.replace(/^edgeq-outbox:/, "");
    const { producerId } = outbox;
    await outbox.close();
    // A worker's event target stands in for the worker: the same listeners, in
    // this engine's page (the PWA's end-to-end test runs it in a real worker).
    const scope = new EventTarget();
    const stop = flushOnWake(scope, () => freshOutbox({ name, autoSync: false }, true));
    const extended: Promise<unknown>[] = [];
    const wake = Object.assign(new Event("fetch"), {
      request: { mode: "navigate" },
      waitUntil: (p: Promise<unknown>) => extended.push(p),
    });
    scope.dispatchEvent(wake);
    expect(extended).toHaveLength(1);
    await extended[0];
    expect(await delivered(producerId)).toEqual([{ stuck: true }]);
    stop();
  });
});
