// Source modules, not the package root: the root's engine and store exports are moving to subpaths.
import { ManualClock } from "../src/clock.js";
import { Broker } from "../src/engine/broker.js";
import { type MemoryStore, openMemoryStore } from "../src/store/memory-store.js";
import type { StoreOp } from "../src/store/store.js";

export const TOPIC = "bench";
const BODY = { type: "order.created", id: "order-0000", amount: 42.5, items: ["a", "b", "c"] };

/** A broker over a fresh MemoryStore with one queue (the unit all scenarios load). */
export async function openBroker(): Promise<{
  broker: Broker;
  store: MemoryStore;
  clock: ManualClock;
}> {
  const store = await openMemoryStore();
  const clock = new ManualClock();
  const broker = await Broker.open({ store, clock, autoTick: false });
  await broker.createTopic(TOPIC, { queueCount: 1 });
  return { broker, store, clock };
}

let producerCount = 0;

/** Appends `total` messages in batches of `batch`, `concurrency` producers at a time. */
export async function append(broker: Broker, total: number, batch: number, concurrency = 1) {
  const perProducer = Math.ceil(total / concurrency);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const producerId = `p-${producerCount++}`;
      for (let seq = 1; seq <= perProducer; seq += batch) {
        const n = Math.min(batch, perProducer - seq + 1);
        await broker.send(TOPIC, {
          producerId,
          messages: Array.from({ length: n }, (_, i) => ({ seq: seq + i, body: BODY })),
        });
      }
    }),
  );
}

/** The store's own limit: the same number of records written, one put per message, in batches. */
export async function rawWrites(store: MemoryStore, total: number, batch: number) {
  for (let i = 0; i < total; i += batch) {
    const ops: StoreOp[] = [];
    for (let j = i; j < Math.min(total, i + batch); j++)
      ops.push({
        type: "put",
        key: `raw|${String(j).padStart(10, "0")}`,
        value: { seq: j, body: BODY },
      });
    await store.write(ops);
  }
}

/** Reads `total` messages from `from`, 1,000 at a time. */
export async function read(broker: Broker, from: number, total: number) {
  let offset = from;
  let seen = 0;
  while (seen < total) {
    const page = await broker.read(TOPIC, 0, { from: offset, limit: 1000 });
    if (page.messages.length === 0) throw new Error(`log ended at ${offset}`);
    seen += page.messages.length;
    offset = page.nextOffset;
  }
}

let groupCount = 0;

/** Leases and acks `total` messages as a new group that starts at `from`. */
export async function receiveAndAck(broker: Broker, from: number, total: number) {
  const group = `g-${groupCount++}`;
  if (from > 0) await broker.commitOffsets(TOPIC, group, { "0": from });
  let done = 0;
  while (done < total) {
    const got = await broker.receive(TOPIC, group, { max: 100 });
    if (got.length === 0) throw new Error(`receive ran dry after ${done}`);
    await broker.ack(
      TOPIC,
      group,
      got.map((m) => m.receipt),
    );
    done += got.length;
  }
}
