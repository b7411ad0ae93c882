import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { resolveTopicConfig } from "../src/engine/config.js";
import { QueueEngine } from "../src/engine/queue-engine.js";
import type { Segment } from "../src/engine/records.js";
import { SegmentCache } from "../src/engine/segment-cache.js";
import { normalizeAppend } from "../src/engine/validate.js";
import type { JsonValue } from "../src/model.js";
import { type MemoryStore, openMemoryStore } from "../src/store/memory-store.js";
import type { Store, StoreEntry, StoreOp, StoreRange } from "../src/store/store.js";

/** A segment of `n` messages from `first`, `bytes` in all. */
function segment(first: number, n: number, bytes: number): Segment {
  const msgs = Array.from({ length: n }, (_, i) => ({ body: first + i, producedAt: 0, size: 1 }));
  return { first, lastAt: 0, bytes, msgs };
}

describe("SegmentCache", () => {
  it("finds the segment holding an offset", () => {
    const cache = new SegmentCache(1000);
    cache.add(segment(0, 10, 10));
    cache.add(segment(10, 5, 10));
    expect(cache.find(9)?.first).toBe(0);
    expect(cache.find(10)?.first).toBe(10);
    expect(cache.find(15)).toBeUndefined();
  });

  it("drops the least recently used past its bytes, but keeps the latest however large", () => {
    const cache = new SegmentCache(100);
    cache.add(segment(0, 10, 40));
    cache.add(segment(10, 10, 40));
    cache.find(0); // now the most recent
    cache.add(segment(20, 10, 40));
    expect(cache.find(5)?.first).toBe(0);
    expect(cache.find(15)).toBeUndefined();
    cache.add(segment(30, 10, 500));
    expect(cache.size).toBe(1);
    expect(cache.find(35)?.first).toBe(30);
  });

  it("forgets segments wholly below the queue's minimum offset", () => {
    const cache = new SegmentCache(1000);
    cache.add(segment(0, 10, 10));
    cache.add(segment(10, 10, 10));
    cache.trim(15);
    expect(cache.find(5)).toBeUndefined();
    expect(cache.find(15)?.first).toBe(10);
  });

  it("keeps nothing with no bytes to spend", () => {
    const cache = new SegmentCache(0);
    cache.add(segment(0, 10, 10));
    expect(cache.find(0)).toBeUndefined();
  });
});

/** A store that counts the segment records it hands out. */
class CountingStore implements Store {
  segmentsRead = 0;
  constructor(readonly inner: MemoryStore) {}
  get(key: string): Promise<JsonValue | undefined> {
    return this.inner.get(key);
  }
  async scan(range: StoreRange): Promise<StoreEntry[]> {
    const rows = await this.inner.scan(range);
    this.segmentsRead += rows.filter(([key]) => key.startsWith("seg|")).length;
    return rows;
  }
  write(ops: readonly StoreOp[]): Promise<void> {
    return this.inner.write(ops);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A queue over a CountingStore that keeps `segmentCacheBytes` of decoded segments. */
async function openQueue(segmentCacheBytes: number) {
  const clock = new ManualClock(1_000);
  const config = resolveTopicConfig({});
  const store = new CountingStore(await openMemoryStore());
  const engine = await QueueEngine.open(store, {
    topic: "t",
    queueId: 0,
    config,
    clock,
    segmentCacheBytes,
  });
  return { clock, config, store, engine };
}

describe("a queue with a segment cache", () => {
  async function leaseAll(segmentCacheBytes: number) {
    const { clock, config, store, engine } = await openQueue(segmentCacheBytes);
    const messages = Array.from({ length: 1000 }, (_, i) => ({ body: { i } }));
    await engine.append(normalizeAppend({ messages }, config, clock.now()));
    const bodies: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      const leased = await engine.receive("g", { max: 100, visibilityMs: 60_000 });
      await engine.ack(
        "g",
        leased.map((m) => m.receipt),
      );
      bodies.push(...leased.map((m) => m.body));
    }
    const read = await engine.read(0, 1000);
    return { store, bodies, read };
  }

  it("decodes a segment once for ten receives of 100 and a read of the whole", async () => {
    const cached = await leaseAll(1024 * 1024);
    expect(cached.store.segmentsRead).toBe(1);
    expect(cached.bodies).toEqual(Array.from({ length: 1000 }, (_, i) => ({ i })));
    expect(cached.read.messages.map((m) => m.body)).toEqual(cached.bodies);
    // Without it, each receive takes up what the one before decoded and left unread:
    // the segment is decoded once for the ten receives, and once for the read.
    const uncached = await leaseAll(0);
    expect(uncached.store.segmentsRead).toBe(2);
    expect(uncached.bodies).toEqual(cached.bodies);
  });

  it("forgets what a reload may have changed", async () => {
    const { clock, config, store, engine } = await openQueue(1024 * 1024);
    await engine.append(normalizeAppend({ messages: [{ body: 1 }] }, config, clock.now()));
    await engine.read(0, 10);
    // A failed write makes the engine reload from the store before its next mutation.
    store.inner.failNextWrite();
    await expect(
      engine.append(normalizeAppend({ messages: [{ body: 2 }] }, config, clock.now())),
    ).rejects.toMatchObject({ code: "unavailable" });
    await engine.append(normalizeAppend({ messages: [{ body: 3 }] }, config, clock.now()));
    const before = store.segmentsRead;
    const read = await engine.read(0, 10);
    expect(read.messages.map((m) => m.body)).toEqual([1, 3]);
    // Both segments from the store: the one read before the reload was forgotten.
    expect(store.segmentsRead - before).toBe(2);
  });
});

describe("reading by offset", () => {
  it("reads only the segments a page needs when it starts mid-segment", async () => {
    const { clock, config, store, engine } = await openQueue(0);
    // Twenty segments of 100 messages each.
    for (let s = 0; s < 20; s++) {
      const messages = Array.from({ length: 100 }, (_, i) => ({ body: s * 100 + i }));
      await engine.append(normalizeAppend({ messages }, config, clock.now()));
    }
    const before = store.segmentsRead;
    const page = await engine.read(250, 100);
    expect(page.messages.map((m) => m.body)).toEqual(
      Array.from({ length: 100 }, (_, i) => 250 + i),
    );
    // The segment holding 250, then the one after it: not a read-ahead of sixteen.
    expect(store.segmentsRead - before).toBe(2);
    // A tag filter may skip any number of messages: it still reads ahead.
    const filtered = await engine.read(250, 100, ["none"]);
    expect(filtered.messages).toEqual([]);
    expect(filtered.nextOffset).toBeGreaterThan(350);
  });

  it("decodes each segment once for pages that start mid-segment, without a cache", async () => {
    const { clock, config, store, engine } = await openQueue(0);
    for (let s = 0; s < 20; s++) {
      const messages = Array.from({ length: 100 }, (_, i) => ({ body: { n: s * 100 + i } }));
      await engine.append(normalizeAppend({ messages }, config, clock.now()));
    }
    const before = store.segmentsRead;
    const bodies: unknown[] = [];
    for (let from = 250; from < 1250; from += 100)
      bodies.push(...(await engine.read(from, 100)).messages.map((m) => m.body));
    expect(bodies).toEqual(Array.from({ length: 1000 }, (_, i) => ({ n: 250 + i })));
    // Segments 2 to 12, each once (it was two a page: 20).
    expect(store.segmentsRead - before).toBe(11);
  });

  it("hands out what a page left unread only once", async () => {
    const { clock, config, engine } = await openQueue(0);
    for (let s = 0; s < 2; s++) {
      const messages = Array.from({ length: 100 }, (_, i) => ({ body: { n: s * 100 + i } }));
      await engine.append(normalizeAppend({ messages }, config, clock.now()));
    }
    await engine.read(0, 50);
    // The rest of the first segment: what the page before decoded and left unread.
    const first = await engine.read(50, 50);
    const again = await engine.read(50, 50);
    expect(again.messages.map((m) => m.body)).toEqual(first.messages.map((m) => m.body));
    // Two readers never share a message object: what one changes, the other does not see.
    (first.messages[0]!.body as { n: number }).n = -1;
    expect(again.messages[0]!.body).toEqual({ n: 50 });
  });
});
