import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { resolveTopicConfig, type TopicConfig } from "../src/engine/config.js";
import { PRODUCER_CACHE_SIZE } from "../src/engine/producer-cache.js";
import { QueueEngine } from "../src/engine/queue-engine.js";
import { normalizeAppend } from "../src/engine/validate.js";
import type { JsonValue } from "../src/model.js";
import { MemoryStorage, openMemoryStore } from "../src/store/memory-store.js";
import type { Store, StoreEntry, StoreOp, StoreRange } from "../src/store/store.js";

/**
 * Waking a queue must not depend on how many producers it remembers or how
 * many delayed messages it holds (issue 11, "Scale"): producer windows load
 * on demand, delayed messages are found through their index by due time.
 */

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** A store that counts the records it hands out. */
class CountingStore implements Store {
  recordsRead = 0;
  constructor(private readonly inner: Store) {}
  async get(key: string): Promise<JsonValue | undefined> {
    this.recordsRead++;
    return this.inner.get(key);
  }
  async scan(range: StoreRange): Promise<StoreEntry[]> {
    const rows = await this.inner.scan(range);
    this.recordsRead += rows.length;
    return rows;
  }
  write(ops: readonly StoreOp[]): Promise<void> {
    return this.inner.write(ops);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function open(storage: MemoryStorage, clock: ManualClock, config: TopicConfig) {
  const store = new CountingStore(await openMemoryStore({ storage }));
  const engine = await QueueEngine.open(store, {
    topic: "t",
    queueId: 0,
    config,
    clock,
    random: () => 0.5,
  });
  return { store, engine };
}

function append(engine: QueueEngine, config: TopicConfig, now: number, request: unknown) {
  return engine.append(normalizeAppend(request, config, now));
}

describe("waking a queue", () => {
  it("reads a few records, however many producers and delayed messages it holds", async () => {
    const clock = new ManualClock();
    const config = resolveTopicConfig({ producerTtlMs: DAY });
    const storage = new MemoryStorage();
    const first = await open(storage, clock, config);
    const N = 3000;
    expect(N).toBeGreaterThan(2 * PRODUCER_CACHE_SIZE);
    for (let i = 0; i < N; i += 100)
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          append(first.engine, config, clock.now(), {
            producerId: `p${i + j}`,
            messages: [
              { seq: 1, body: i + j },
              { seq: 2, body: i + j, delayMs: HOUR + (i + j) },
            ],
          }),
        ),
      );
    expect(first.engine.queueStats()).toMatchObject({ headOffset: N, scheduled: N });

    const again = await open(storage, clock, config);
    expect(again.store.recordsRead).toBeLessThan(20);
    expect(again.engine.queueStats()).toMatchObject({ headOffset: N, scheduled: N });
    expect(again.engine.nextWakeUp()).toBe(clock.now() + HOUR);

    // Every producer is still remembered, loaded when it sends again (and the cache stays bounded).
    for (const i of [0, N - 1, 7, N - 2])
      expect(
        await append(again.engine, config, clock.now(), {
          producerId: `p${i}`,
          messages: [{ seq: 1, body: "retry" }],
        }),
      ).toMatchObject([{ status: "duplicate", offset: expect.any(Number) }]);
    // A delayed message is found by id while it waits, and released in due order.
    const [scheduled] = await append(again.engine, config, clock.now(), {
      messages: [{ body: "late", delayMs: 2 * HOUR }],
    });
    expect((await again.engine.getMessage(scheduled!.msgId!)).body).toBe("late");
    clock.advance(HOUR + 99);
    await again.engine.tick();
    expect(again.engine.queueStats()).toMatchObject({
      headOffset: N + 100,
      scheduled: N + 1 - 100,
    });
    const released = await again.engine.read(N, 1000);
    expect(released.messages.map((m) => m.body)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    clock.advance(HOUR);
    await again.engine.tick();
    expect(again.engine.queueStats()).toMatchObject({ headOffset: 2 * N + 1, scheduled: 0 });
    expect((await again.engine.getMessage(scheduled!.msgId!)).offset).toBe(2 * N);
    expect(again.engine.nextWakeUp()).toBeGreaterThan(clock.now());
  });

  it("forgets idle producers through their index, and keeps those that sent since", async () => {
    const clock = new ManualClock();
    const config = resolveTopicConfig({ producerTtlMs: DAY });
    const storage = new MemoryStorage();
    const { engine } = await open(storage, clock, config);
    const send = (producerId: string, seq: number) =>
      append(engine, config, clock.now(), { producerId, messages: [{ seq, body: seq }] });
    for (const p of ["idle", "busy"]) await send(p, 1);
    clock.advance(DAY / 2);
    await send("busy", 2);
    expect(engine.nextWakeUp()).toBe(clock.now() + DAY / 2);
    clock.advance(DAY / 2 + 1);
    await engine.tick();
    // "busy" was seen half a day ago: it is remembered, and checked again a TTL after that.
    expect(await send("busy", 2)).toMatchObject([{ status: "duplicate" }]);
    expect(await send("idle", 1)).toMatchObject([{ status: "stored" }]);
    const again = await open(storage, clock, config);
    expect(
      await append(again.engine, config, clock.now(), {
        producerId: "busy",
        messages: [{ seq: 1, body: 1 }],
      }),
    ).toMatchObject([{ status: "duplicate" }]);
    clock.advance(DAY + 1);
    await again.engine.tick();
    expect(
      await append(again.engine, config, clock.now(), {
        producerId: "busy",
        messages: [{ seq: 1, body: 1 }],
      }),
    ).toMatchObject([{ status: "stored" }]);
    expect(again.engine.nextWakeUp()).toBeGreaterThan(clock.now());
  });

  it("upgrades a queue stored before the indexes: counts its delayed messages, indexes its producers", async () => {
    const clock = new ManualClock();
    const config = resolveTopicConfig({ producerTtlMs: DAY });
    const storage = new MemoryStorage();
    const { engine, store } = await open(storage, clock, config);
    await append(engine, config, clock.now(), {
      producerId: "old",
      messages: [
        { seq: 1, body: 1 },
        { seq: 2, body: 2, delayMs: HOUR },
      ],
    });
    // Make it look as the previous version left it: no counts, no index, no sid entry for waiting messages.
    const meta = (await store.get("meta|t|0")) as Record<string, JsonValue>;
    delete meta.scheduled;
    delete meta.producerIndex;
    const prod = (await store.get("prod|t|0|old")) as Record<string, JsonValue>;
    delete prod.idx;
    const legacy = await store.scan({ prefix: "pidl|" });
    const sids = await store.scan({ prefix: "sid|" });
    await store.write([
      { type: "put", key: "meta|t|0", value: meta },
      { type: "put", key: "prod|t|0|old", value: prod },
      ...[...legacy, ...sids].map(([key]) => ({ type: "delete" as const, key })),
    ]);

    const again = await open(storage, clock, config);
    expect(again.engine.queueStats().scheduled).toBe(1);
    const [delayed] = await store.scan({ prefix: "sched|" });
    const msgId = (delayed![1] as { msg: { msgId: string } }).msg.msgId;
    expect((await again.engine.getMessage(msgId)).body).toBe(2);
    clock.advance(DAY + 1);
    await again.engine.tick();
    expect(again.engine.queueStats()).toMatchObject({ scheduled: 0, headOffset: 2 });
    expect(
      await append(again.engine, config, clock.now(), {
        producerId: "old",
        messages: [{ seq: 1, body: 1 }],
      }),
    ).toMatchObject([{ status: "stored" }]);
  });
});
