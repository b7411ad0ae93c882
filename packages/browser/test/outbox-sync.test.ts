import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createOutbox, type DeliveredMessage, type SyncState } from "../src/index.js";
import {
  brokerUrl,
  flushEventually,
  freshOutbox,
  healthyNetwork,
  messagesOf,
  network,
  TOKEN,
} from "./helpers.js";

beforeEach(healthyNetwork);
afterEach(() => {
  vi.restoreAllMocks();
});

/** The outbox producer's packed log records in its object store. */
const LOG_RECORDS = IDBKeyRange.bound("outbox|log|", "outbox|log|~");

describe("Outbox against the real broker", () => {
  it("delivers sends exactly once, in order, and frees the local log", async () => {
    const outbox = await freshOutbox();
    const receipts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => outbox.send({ n: i }, { key: `k${i % 3}` })),
    );
    expect(receipts.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await outbox.flush();
    const stored = await messagesOf("outbox", outbox.producerId);
    expect(stored.map((m) => m.seq)).toEqual(receipts.map((r) => r.seq));
    expect(stored.map((m) => m.body)).toEqual(receipts.map((_, i) => ({ n: i })));
    expect(await outbox.stats()).toMatchObject({ pending: 0, acknowledged: 20, deadLetters: 0 });
    expect(await outbox.db.count("edgeq_outbox", LOG_RECORDS)).toBe(0);
    await outbox.close();
  });

  it("group-commits concurrent sends into one IndexedDB record", async () => {
    const outbox = await freshOutbox({ autoSync: false });
    await Promise.all(Array.from({ length: 200 }, (_, i) => outbox.send(i)));
    expect(await outbox.db.count("edgeq_outbox", LOG_RECORDS)).toBe(1);
    expect((await outbox.stats()).pending).toBe(200);
    await outbox.close();
  });

  it("keeps messages while the network fails and delivers them once it is back", async () => {
    await network.setOffline(true);
    const outbox = await freshOutbox();
    const states: SyncState[] = [];
    outbox.addEventListener("syncstate", (e) => states.push(e.detail.state));
    await outbox.sendBatch([{ body: "a" }, { body: "b" }, { body: "c" }]);
    await expect(outbox.flush()).rejects.toMatchObject({ code: "unavailable" });
    expect(states).toContain("backoff");
    expect((await outbox.stats()).pending).toBe(3);
    await network.setOffline(false);
    await flushEventually(outbox);
    expect((await messagesOf("outbox", outbox.producerId)).map((m) => m.body)).toEqual([
      "a",
      "b",
      "c",
    ]);
    await outbox.close();
  });

  it("resends a batch whose answer was lost after the broker stored it, and gets duplicate", async () => {
    const outbox = await freshOutbox({ autoSync: false });
    const acknowledged: DeliveredMessage[] = [];
    outbox.addEventListener("acknowledged", (e) => acknowledged.push(...e.detail.messages));
    await outbox.sendBatch([{ body: 1 }, { body: 2 }]);
    await network.inject({ kind: "drop-response", count: 1 });
    await flushEventually(outbox);
    const batches = (await network.produced()).filter((b) => b.producerId === outbox.producerId);
    expect(batches.map((b) => [b.outcome, b.seqs])).toEqual([
      ["dropped", [1, 2]],
      ["forwarded", [1, 2]],
    ]);
    expect(acknowledged.map((d) => d.status)).toEqual(["duplicate", "duplicate"]);
    const stored = await messagesOf("outbox", outbox.producerId);
    expect(stored.map((m) => m.body)).toEqual([1, 2]);
    // The duplicate answer names the original: same place in the log.
    expect(acknowledged.map((d) => [d.queueId, d.offset])).toEqual(
      stored.map((m) => [m.queueId, m.offset]),
    );
    await outbox.close();
  });

  it("survives closing and reopening the database in the middle of a sync", async () => {
    const first = await freshOutbox();
    const producerId = first.producerId;
    await network.inject({ kind: "drop-response", count: 1 });
    await first.sendBatch([{ body: "x" }, { body: "y" }]);
    await expect
      .poll(async () => (await network.produced()).map((b) => b.producerId), {
        message: "the first sync attempt",
      })
      .toContain(producerId);
    await first.close();
    const again = await createOutbox({
      url: brokerUrl(),
      topic: "outbox",
      token: TOKEN,
      name: first.db.name.replace("edgeq-outbox:", ""),
      backoff: { baseMs: 20, maxMs: 200 },
    });
    expect(again.producerId).toBe(first.producerId);
    await flushEventually(again);
    const stored = await messagesOf("outbox", again.producerId);
    expect(stored.map((m) => m.body)).toEqual(["x", "y"]);
    expect(await again.stats()).toMatchObject({ pending: 0, acknowledged: 2 });
    await again.close();
  });

  it("dead-letters a message the broker refuses for good, and later messages still deliver", async () => {
    const outbox = await freshOutbox({ topic: "tiny" });
    const failed: string[] = [];
    outbox.addEventListener("failed", (e) => failed.push(e.detail.deadLetter.reason.code));
    await outbox.send("small-1");
    const big = await outbox.send("x".repeat(3000));
    await outbox.send("small-2");
    await outbox.flush();
    expect((await messagesOf("tiny", outbox.producerId)).map((m) => m.body)).toEqual([
      "small-1",
      "small-2",
    ]);
    const dead = await outbox.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ seq: big.seq, reason: { code: "too_large", status: 413 } });
    expect(failed).toEqual(["too_large"]);
    expect(await outbox.stats()).toMatchObject({ pending: 0, acknowledged: 2, deadLetters: 1 });
    await outbox.discardDeadLetters([big.seq]);
    expect(await outbox.deadLetters()).toEqual([]);
    await outbox.close();
  });

  it("pauses on a rejected token and resumes when the token changes", async () => {
    const outbox = await freshOutbox({ token: "wrong-token" });
    const paused = new Promise<void>((resolve) =>
      outbox.addEventListener("syncstate", (e) => {
        if (e.detail.state === "paused") resolve();
      }),
    );
    await outbox.send("after login");
    await expect(outbox.flush()).rejects.toMatchObject({ code: "unauthorized" });
    await paused;
    expect((await outbox.stats()).lastError).toMatchObject({ code: "unauthorized" });
    expect((await outbox.stats()).pending).toBe(1);
    outbox.setToken(TOKEN);
    await flushEventually(outbox);
    expect((await messagesOf("outbox", outbox.producerId)).map((m) => m.body)).toEqual([
      "after login",
    ]);
    await outbox.close();
  });

  it("waits at least Retry-After after a 429 before sending again", async () => {
    // No clock is read: the page records, in order, the produce requests it sends,
    // and the timers of at least the Retry-After (1 s) it sets and sees fire.
    const events: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      if (init?.method === "POST" && String(input).endsWith("/messages")) events.push("produce");
      return realFetch(input, init);
    });
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((handler: () => void, ms = 0) => {
      if (ms < 1000) return realSetTimeout(handler, ms);
      events.push(`wait ${ms}`);
      return realSetTimeout(() => {
        events.push("waited");
        handler();
      }, ms);
    }) as typeof setTimeout);
    const outbox = await freshOutbox({ autoSync: false });
    await network.inject({
      kind: "status",
      count: 1,
      status: 429,
      code: "rate_limited",
      retryAfter: "1",
    });
    await outbox.send("throttled");
    await expect(outbox.flush()).rejects.toMatchObject({ code: "rate_limited" });
    await expect
      .poll(async () => (await outbox.stats()).pending, { message: "delivery after Retry-After" })
      .toBe(0);
    // The refused send, a wait of at least Retry-After, its end, and only then the resend.
    expect(events.slice(0, 4)).toEqual([
      "produce",
      expect.stringMatching(/^wait \d+$/),
      "waited",
      "produce",
    ]);
    expect(Number(events[1]!.slice("wait ".length))).toBeGreaterThanOrEqual(1000);
    expect((await messagesOf("outbox", outbox.producerId)).map((m) => m.body)).toEqual([
      "throttled",
    ]);
    await outbox.close();
  });

  it("refuses a message that can never be delivered, and queues nothing", async () => {
    const outbox = await freshOutbox({ autoSync: false });
    await expect(outbox.send("ok", { tags: [""] })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(outbox.send("x".repeat(200 * 1024))).rejects.toMatchObject({ code: "too_large" });
    expect((await outbox.stats()).pending).toBe(0);
    await outbox.close();
    await expect(outbox.send("late")).rejects.toMatchObject({ code: "closed" });
  });

  it("keeps bytes bodies as bytes", async () => {
    const outbox = await freshOutbox();
    await outbox.send(new Uint8Array([0, 1, 2, 255]));
    await outbox.flush();
    const [stored] = await messagesOf("outbox", outbox.producerId);
    expect(stored?.body).toEqual(new Uint8Array([0, 1, 2, 255]));
    await outbox.close();
  });
});
