import { describe, expect, it } from "vitest";
import { ManualClock } from "../../clock.js";
import { Broker } from "../../engine/broker.js";
import { EdgeqError } from "../../errors.js";
import { MemoryStorage, type MemoryStore, openMemoryStore } from "../../store/memory-store.js";
import type { StoreRange } from "../../store/store.js";
import { ProbedStore } from "../../testing/harness.js";
import { flushed } from "../../testing/producer-flush.js";
import { LocalTransport } from "../local-transport.js";
import { FaultyTransport } from "../test-support.js";
import type { Transport } from "../transport.js";
import {
  DurableProducer,
  type DurableProducerOptions,
  type SyncState,
} from "./durable-producer.js";
import type { LocalDeadLetter } from "./log-records.js";
import { inspectProducer } from "./producer-inspector.js";

const FAST = { backoff: { baseMs: 1, maxMs: 5 }, syncIntervalMs: 60_000 } as const;

/** A real broker in process, with a topic whose messages may hold at most 1,000 bytes. */
async function openBroker() {
  const clock = new ManualClock();
  const broker = await Broker.open({ store: await openMemoryStore(), clock, autoTick: false });
  await broker.createTopic("orders", { queueCount: 2, maxMessageBytes: 1000 });
  return { broker, clock, transport: new FaultyTransport(new LocalTransport(broker)) };
}

async function logOf(broker: Broker, producerId: string) {
  const out = [];
  for (const queueId of [0, 1])
    for (let from = 0; ; ) {
      const { messages, nextOffset } = await broker.read("orders", queueId, { from, limit: 1000 });
      out.push(...messages.filter((m) => m.producerId === producerId));
      if (messages.length === 0) break;
      from = nextOffset;
    }
  return out.sort((a, b) => a.seq! - b.seq!);
}

function open(
  store: MemoryStore | ProbedStore,
  transport: Pick<Transport, "send">,
  options: Partial<DurableProducerOptions> = {},
) {
  return DurableProducer.open(store, { topic: "orders", transport, ...FAST, ...options });
}

describe("DurableProducer over MemoryStore and the real broker", () => {
  it("is durable before the network and delivers every message once, in order", async () => {
    const { broker, transport } = await openBroker();
    const storage = new MemoryStorage();
    const producer = await open(await openMemoryStore({ storage }), transport);
    const queued = await producer.send([
      { body: { n: 1 }, key: "a" },
      { body: { n: 2 }, key: "a" },
    ]);
    expect(queued.map((q) => q.seq)).toEqual([1, 2]);
    expect(transport.calls).toEqual([]);
    expect(await producer.stats()).toMatchObject({ pending: 2, acknowledged: 0 });

    producer.start();
    await producer.flush();
    const log = await logOf(broker, producer.producerId);
    expect(log.map((m) => [m.seq, m.body, m.key])).toEqual([
      [1, { n: 1 }, "a"],
      [2, { n: 2 }, "a"],
    ]);
    expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 2 });
    producer.close();
  });

  it("takes a message that is a class instance as its own fields", async () => {
    const { broker, transport } = await openBroker();
    const producer = await open(await openMemoryStore(), transport);
    class Order {
      key = "o-1";
      constructor(readonly body: { n: number }) {}
    }
    await producer.send([new Order({ n: 1 })]);
    producer.start();
    await producer.flush();
    expect((await logOf(broker, producer.producerId)).map((m) => [m.body, m.key])).toEqual([
      [{ n: 1 }, "o-1"],
    ]);
    producer.close();
  });

  it("packs concurrent sends into one record and one store write", async () => {
    const { transport } = await openBroker();
    const store = new ProbedStore(await openMemoryStore());
    const producer = await open(store, transport);
    const before = store.writes;
    const queued = await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.send([{ body: i }])),
    );
    expect(store.writes - before).toBe(1);
    expect(queued.flat().map((q) => q.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await store.scan({ prefix: "producer|log|" })).length).toBe(1);
  });

  it("drains a record of many messages in batches, reading it once, and frees it when spent", async () => {
    const { broker, transport } = await openBroker();
    const store = new (class extends ProbedStore {
      logReads = 0;
      override async scan(range: StoreRange) {
        const entries = await super.scan(range);
        this.logReads += entries.filter(([key]) => key.startsWith("producer|log|")).length;
        return entries;
      }
    })(await openMemoryStore());
    const producer = await open(store, transport, { batchSize: 40 });
    // One send of 600: one record, drained in 15 batches.
    await producer.send(Array.from({ length: 600 }, (_, i) => ({ body: i })));
    producer.start();
    await producer.flush();
    expect((await logOf(broker, producer.producerId)).map((m) => m.body)).toEqual(
      Array.from({ length: 600 }, (_, i) => i),
    );
    expect(store.logReads).toBe(1);
    expect(await store.scan({ prefix: "producer|log|" })).toEqual([]);
    expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 600 });
    producer.close();
  });

  it("refuses a message the broker could never take in send, and queues nothing", async () => {
    const { transport } = await openBroker();
    const producer = await open(await openMemoryStore(), transport);
    await expect(producer.send([{ body: 1 }, { body: 2, tags: [""] }])).rejects.toMatchObject({
      code: "invalid_request",
    });
    expect((await producer.stats()).pending).toBe(0);
    expect((await producer.send([{ body: 3 }]))[0]!.seq).toBe(1);
  });

  it("keeps nothing of a send whose store write failed, and reuses its seq", async () => {
    const { transport } = await openBroker();
    const store = new ProbedStore(await openMemoryStore());
    const producer = await open(store, transport);
    store.failNextWrites(1);
    await expect(producer.send([{ body: "lost" }])).rejects.toMatchObject({ code: "unavailable" });
    expect((await producer.stats()).pending).toBe(0);
    expect((await producer.send([{ body: "kept" }]))[0]!.seq).toBe(1);
  });

  it("resends a batch whose answer was lost after the broker stored it, and the log keeps one copy", async () => {
    const { broker, transport } = await openBroker();
    transport.failAfter("send", { times: 2 });
    const failures: string[] = [];
    const producer = await open(await openMemoryStore(), transport, {
      hooks: { state: (state, error) => error && failures.push(`${state}:${error.code}`) },
    });
    await producer.send(Array.from({ length: 5 }, (_, i) => ({ body: i })));
    producer.start();
    await flushed(producer);
    expect(failures).toEqual(["backoff:unavailable", "backoff:unavailable"]);
    expect(transport.count("send")).toBe(3);
    const log = await logOf(broker, producer.producerId);
    expect(log.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    producer.close();
  });

  it("writes the answers of several batches at once, and sends them all again when that write fails", async () => {
    const { broker, transport } = await openBroker();
    const store = new ProbedStore(await openMemoryStore());
    const producer = await open(store, transport, { batchSize: 2 });
    await producer.send(Array.from({ length: 6 }, (_, i) => ({ body: i })));
    // The first local write of the sync records the answers for seqs 1-6, once the flush waits for them.
    store.failNextWrites(1);
    producer.start();
    await flushed(producer);
    // 1-2, 3-4, 5-6, then all three again.
    expect(transport.count("send")).toBe(6);
    expect((await logOf(broker, producer.producerId)).map((m) => m.seq)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 6 });
    producer.close();
  });

  it("records the answers of many batches in a few writes, each kept for status lookups", async () => {
    const { broker, transport } = await openBroker();
    const store = new ProbedStore(await openMemoryStore());
    const producer = await open(store, transport, { batchSize: 100, keepAcknowledged: 2500 });
    const queued = await producer.send(Array.from({ length: 2500 }, (_, i) => ({ body: i })));
    const writesBefore = store.writes;
    producer.start();
    await producer.flush();
    // 25 batches; one write per batch would be 25.
    expect(store.writes - writesBefore).toBeLessThan(25);
    expect((await logOf(broker, producer.producerId)).map((m) => m.seq)).toEqual(
      queued.map((q) => q.seq),
    );
    const inspector = inspectProducer(producer);
    for (const q of [queued[0]!, queued[1234]!, queued[2499]!])
      expect(await inspector.status(q.id)).toMatchObject({ seq: q.seq, state: "acknowledged" });
    expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 2500 });
    producer.close();
  });

  it("isolates a refused message into its dead letters with the reason, and delivers the rest", async () => {
    const { broker, transport } = await openBroker();
    const deadLettered: LocalDeadLetter[] = [];
    const producer = await open(await openMemoryStore(), transport, {
      hooks: { deadLettered: (d) => deadLettered.push(d) },
    });
    // Valid for the local check, over the topic's 1,000-byte limit at the broker.
    await producer.send([{ body: "a" }, { body: "x".repeat(2000), key: "big" }, { body: "c" }]);
    producer.start();
    await producer.flush();
    expect((await logOf(broker, producer.producerId)).map((m) => m.body)).toEqual(["a", "c"]);
    const dead = await producer.deadLetters.list();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      seq: 2,
      options: { key: "big" },
      reason: { code: "too_large" },
    });
    expect(deadLettered).toEqual(dead);
    expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 2, deadLetters: 1 });
    await producer.deadLetters.discard([2]);
    expect(await producer.deadLetters.list()).toEqual([]);
    producer.close();
  });

  it("keeps syncing when the local write of a dead letter fails, and records it on the next try", async () => {
    const { broker, transport } = await openBroker();
    const store = new ProbedStore(await openMemoryStore());
    const producer = await open(store, transport);
    await producer.send([{ body: "x".repeat(2000) }, { body: "after" }]);
    // The first local write of the sync is the dead letter of seq 1.
    store.failNextWrites(1);
    const stop = new AbortController();
    const running = producer.run(stop.signal);
    await Promise.race([
      running.then(() => Promise.reject(new Error("the sync loop ended"))),
      flushed(producer),
    ]);
    stop.abort();
    await running;
    expect((await producer.deadLetters.list()).map((d) => [d.seq, d.reason.code])).toEqual([
      [1, "too_large"],
    ]);
    expect((await logOf(broker, producer.producerId)).map((m) => m.body)).toEqual(["after"]);
    expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 1, deadLetters: 1 });
  });

  it("dead-letters messages for an unknown topic instead of retrying forever", async () => {
    const { transport } = await openBroker();
    const producer = await DurableProducer.open(await openMemoryStore(), {
      topic: "no-such-topic",
      transport,
      ...FAST,
    });
    await producer.send([{ body: 1 }]);
    producer.start();
    await producer.flush();
    expect((await producer.deadLetters.list())[0]?.reason.code).toBe("not_found");
    expect(transport.count("send")).toBe(1);
    producer.close();
  });

  it("keeps a message, not dead-letters it, while the broker behind the transport is closed", async () => {
    const { broker, transport } = await openBroker();
    transport.failBefore("send", {
      times: 2,
      error: () => new EdgeqError("closed", "the broker is closed"),
    });
    const producer = await open(await openMemoryStore(), transport);
    await producer.send([{ body: "kept" }]);
    producer.start();
    await flushed(producer);
    expect(transport.count("send")).toBe(3);
    expect(await producer.deadLetters.list()).toEqual([]);
    expect((await logOf(broker, producer.producerId)).map((m) => m.body)).toEqual(["kept"]);
    producer.close();
  });

  it("pauses on refused credentials and resumes on resumeAuth", async () => {
    const { broker, transport } = await openBroker();
    transport.failBefore("send", {
      times: Number.POSITIVE_INFINITY,
      error: () => new EdgeqError("unauthorized", "bad token"),
    });
    const states: SyncState[] = [];
    let onPaused = () => {};
    const paused = new Promise<void>((resolve) => {
      onPaused = resolve;
    });
    const producer = await open(await openMemoryStore(), transport, {
      hooks: {
        state: (state) => {
          states.push(state);
          if (state === "paused") onPaused();
        },
      },
    });
    await producer.send([{ body: 1 }]);
    producer.start();
    await paused;
    expect(transport.count("send")).toBe(1);
    transport.heal("send");
    producer.resumeAuth();
    await producer.flush();
    expect((await logOf(broker, producer.producerId)).map((m) => m.seq)).toEqual([1]);
    expect(states).toContain("syncing");
    producer.close();
  });

  it("keeps its id, log and seqs across a restart over the same storage", async () => {
    const { broker, transport } = await openBroker();
    const storage = new MemoryStorage();
    const first = await open(await openMemoryStore({ storage }), transport);
    await first.send([{ body: 1 }, { body: 2 }]);
    first.close();
    const second = await open(await openMemoryStore({ storage }), transport);
    expect(second.producerId).toBe(first.producerId);
    expect((await second.send([{ body: 3 }]))[0]!.seq).toBe(3);
    second.start();
    await second.flush();
    expect((await logOf(broker, second.producerId)).map((m) => m.body)).toEqual([1, 2, 3]);
    second.close();
  });

  it("carries bytes bodies through the log as bytes", async () => {
    const { broker, transport } = await openBroker();
    const producer = await open(await openMemoryStore(), transport);
    await producer.send([{ body: new Uint8Array([1, 2, 255]) }]);
    producer.start();
    await producer.flush();
    const [message] = await logOf(broker, producer.producerId);
    expect(message?.body).toEqual(new Uint8Array([1, 2, 255]));
    producer.close();
  });

  it("rejects sends and flushes once closed", async () => {
    const { transport } = await openBroker();
    const producer = await open(await openMemoryStore(), transport);
    producer.close();
    await expect(producer.flush()).rejects.toMatchObject({ code: "closed" });
    await expect(producer.send([{ body: 1 }])).rejects.toMatchObject({ code: "closed" });
  });
});
