import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { server } from "vitest/browser";
import { flushEventually, freshOutbox, healthyNetwork, messagesOf } from "./helpers.js";

beforeEach(healthyNetwork);
afterEach(healthyNetwork);

/**
 * What each engine here says of the origin's storage (measured): Chromium and
 * Firefox report a quota and usage and do not persist by default; WebKitGTK's
 * MiniBrowser has no `navigator.storage` at all (Safari has one).
 */
const EXPECTED = {
  chromium: { persisted: false, usage: expect.any(Number), quota: expect.any(Number) },
  firefox: { persisted: false, usage: expect.any(Number), quota: expect.any(Number) },
  webkit: { persisted: undefined, usage: undefined, quota: undefined },
}[server.browser as "chromium" | "firefox" | "webkit"];

describe(`storage that survives (${server.browser})`, () => {
  it("stats() says whether storage is persisted and what the browser's estimate is", async () => {
    const outbox = await freshOutbox({ autoSync: false });
    await outbox.send({ big: "x".repeat(100_000) });
    const { storage } = await outbox.stats();
    expect(storage).toEqual(EXPECTED);
    expect(storage.usage ?? 0).toBeLessThanOrEqual(storage.quota ?? 0);
    await outbox.close();
  });

  it("persist: true never holds the outbox up, whatever the browser answers or leaves pending", async () => {
    // Firefox asks the person (in headless it never answers): send and sync go on meanwhile.
    const outbox = await freshOutbox({ persist: true });
    await outbox.send("kept");
    await flushEventually(outbox);
    expect((await messagesOf("outbox", outbox.producerId)).map((m) => m.body)).toEqual(["kept"]);
    await outbox.close();
  });
});
