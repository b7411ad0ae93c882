import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import type { JsonValue } from "../model.js";
import { MemoryStorage, type MemoryStore, openMemoryStore } from "../store/memory-store.js";
import type { Store, StoreEntry, StoreOp, StoreRange } from "../store/store.js";
import { Broker } from "./broker.js";

/** A store whose writes wait for `release()` while `hold()` is on: a group commit kept in flight. */
class GatedStore implements Store {
  writes = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  constructor(readonly inner: MemoryStore) {}

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  get(key: string): Promise<JsonValue | undefined> {
    return this.inner.get(key);
  }

  scan(range: StoreRange): Promise<StoreEntry[]> {
    return this.inner.scan(range);
  }

  async write(ops: readonly StoreOp[]): Promise<void> {
    this.writes++;
    await this.gate;
    await this.inner.write(ops);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function setUp(topic: Record<string, unknown> = {}) {
  const storage = new MemoryStorage();
  const store = new GatedStore(await openMemoryStore({ storage }));
  const clock = new ManualClock();
  const broker = await Broker.open({ store, clock, autoTick: false });
  await broker.createTopic("t", { queueCount: 1, ...topic });
  const segments = async () =>
    (await store.scan({ prefix: "seg|" })).map(([, v]) => (v as { msgs: unknown[] }).msgs.length);
  return { storage, store, clock, broker, segments };
}

/**
 * One send first: the first change of a minute also writes the queue's
 * history sample, whose range delete closes the segment (see QueueState.mutate).
 */
const warmUp = (broker: Broker) => broker.send("t", { messages: [{ body: "first" }] });

const one = (broker: Broker, producer: number) =>
  broker.send("t", { producerId: `p${producer}`, messages: [{ seq: 1, body: { producer } }] });

describe("appends of one group commit", () => {
  it("share one segment: 64 one-message producers write one record, read back at their offsets", async () => {
    const { storage, clock, broker, segments } = await setUp();
    await warmUp(broker);
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => one(broker, i)));
    expect(await segments()).toEqual([1, 64]);
    const page = await broker.read("t", 0, { from: 1, limit: 100 });
    expect(page.messages).toHaveLength(64);
    results.forEach(([r], i) => {
      expect(page.messages[r!.offset! - 1]!.body).toEqual({ producer: i });
      expect(page.messages[r!.offset! - 1]!.msgId).toBe(r!.msgId);
    });
    // A retry of each is a duplicate, also after a restart over the same records.
    await broker.close();
    const again = await Broker.open({
      store: await openMemoryStore({ storage }),
      clock,
      autoTick: false,
    });
    const retried = await one(again, 5);
    expect(retried[0]).toMatchObject({ status: "duplicate", offset: results[5]![0]!.offset });
    expect((await again.read("t", 0, { from: 0, limit: 100 })).messages).toHaveLength(65);
  });

  it("keep to a batch's limit: no segment holds more than maxBatchMessages", async () => {
    const { broker, segments } = await setUp({ maxBatchMessages: 10 });
    await warmUp(broker);
    await Promise.all(Array.from({ length: 25 }, (_, i) => one(broker, i)));
    expect(await segments()).toEqual([1, 10, 10, 5]);
    const page = await broker.read("t", 0, { from: 0, limit: 100 });
    expect(page.messages.map((m) => m.offset)).toEqual(Array.from({ length: 26 }, (_, i) => i));
  });

  it("never join a segment whose commit is already being written", async () => {
    const { store, broker, segments } = await setUp();
    await warmUp(broker);
    store.hold();
    const writes = store.writes;
    const first = one(broker, 0);
    // The first commit is in flight: these queue up behind it, in a commit of their own.
    while (store.writes === writes) await Promise.resolve();
    const rest = Array.from({ length: 8 }, (_, i) => one(broker, i + 1));
    store.release();
    await Promise.all([first, ...rest]);
    expect(await segments()).toEqual([1, 1, 8]);
  });

  it("lose nothing acknowledged to a purge committed between them", async () => {
    const { store, broker } = await setUp();
    await warmUp(broker);
    store.hold();
    const writes = store.writes;
    const inFlight = one(broker, 0);
    while (store.writes === writes) await Promise.resolve();
    // These three join one commit, in this order: a send, a purge of the log, a send.
    const produced = async () => (await broker.stats("t")).queues[0]!.totals!.produced;
    const before = one(broker, 1);
    while ((await produced()) < 3) await Promise.resolve();
    const purged = broker.purge("t");
    const after = one(broker, 2);
    while ((await produced()) < 4) await Promise.resolve();
    store.release();
    await Promise.all([inFlight, before, purged]);
    const [stored] = await after;
    const { minOffset } = (await broker.stats("t")).queues[0]!;
    const page = await broker.read("t", 0, { from: minOffset, limit: 100 });
    expect(stored!.offset).toBeGreaterThanOrEqual(minOffset);
    expect(page.messages.map((m) => m.body)).toContainEqual({ producer: 2 });
  });

  it("fail together when their write fails, and the queue goes on from the store", async () => {
    const { store, broker, segments } = await setUp();
    store.inner.failNextWrite();
    const sends = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => one(broker, i)));
    expect(sends.every((s) => s.status === "rejected")).toBe(true);
    const [next] = await one(broker, 100);
    expect(next).toMatchObject({ status: "stored", offset: 0 });
    expect(await segments()).toEqual([1]);
  });
});
