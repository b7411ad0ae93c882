import { describe, expect, it } from "vitest";
import { ManualClock } from "../../clock.js";
import { Broker } from "../../engine/broker.js";
import { EdgeqError } from "../../errors.js";
import type { SendResult } from "../../model.js";
import { MemoryStorage, openMemoryStore } from "../../store/memory-store.js";
import { LocalTransport } from "../local-transport.js";
import type { Transport } from "../transport.js";
import { DurableProducer, type DurableProducerOptions } from "./durable-producer.js";
import { inspectProducer } from "./producer-inspector.js";

const FAST = { backoff: { baseMs: 1, maxMs: 5 }, syncIntervalMs: 60_000 } as const;

/** A real broker in process; messages over 1,000 bytes are refused (413), so they become dead letters. */
async function setUp(options: Partial<DurableProducerOptions> = {}) {
  const broker = await Broker.open({
    store: await openMemoryStore(),
    clock: new ManualClock(),
    autoTick: false,
  });
  await broker.createTopic("orders", { queueCount: 2, maxMessageBytes: 1000 });
  const transport = new LocalTransport(broker);
  const storage = new MemoryStorage();
  const producer = await DurableProducer.open(await openMemoryStore({ storage }), {
    topic: "orders",
    transport,
    ...FAST,
    ...options,
  });
  return { broker, transport, producer, inspector: inspectProducer(producer), storage };
}

/** A transport whose sends wait until `release()`: a batch stays on the wire as long as a test needs. */
function heldTransport(inner: Pick<Transport, "send">) {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let entered!: () => void;
  const sending = new Promise<void>((r) => {
    entered = r;
  });
  const transport: Pick<Transport, "send"> = {
    async send(topic, request, options): Promise<SendResult[]> {
      entered();
      await released;
      return inner.send(topic, request, options);
    },
  };
  return { transport, sending, release };
}

describe("inspectProducer", () => {
  it("finds each message by the id send returned, from pending to acknowledged with the broker's answer", async () => {
    const { producer, inspector, broker } = await setUp();
    const [a, b] = await producer.send([{ body: { n: 1 }, key: "k" }, { body: { n: 2 } }]);
    expect(await inspector.status(a!.id)).toMatchObject({
      id: a!.id,
      seq: 1,
      state: "pending",
      body: { n: 1 },
      options: { key: "k" },
    });
    producer.start();
    await producer.flush();
    const done = await inspector.status(b!.id);
    expect(done).toMatchObject({ id: b!.id, state: "acknowledged", answer: { status: "stored" } });
    const stored = await broker.getMessage("orders", done.answer!.msgId!);
    expect(stored).toMatchObject({ body: { n: 2 }, offset: done.answer!.offset });
    expect((await inspector.status(`${producer.producerId}:99`)).state).toBe("unknown");
    expect((await inspector.status("someone-else:1")).state).toBe("unknown");
    producer.close();
  });

  it("shows the batch on the wire as in flight, and the rest as pending", async () => {
    const base = await setUp();
    const held = heldTransport(base.transport);
    const producer = await DurableProducer.open(await openMemoryStore(), {
      topic: "orders",
      transport: held.transport,
      ...FAST,
      batchSize: 2,
    });
    const inspector = inspectProducer(producer);
    const queued = await producer.send([1, 2, 3, 4, 5].map((n) => ({ body: n })));
    producer.start();
    await held.sending;
    const inFlight = await inspector.list({ state: "inFlight" });
    expect(inFlight.messages.map((m) => [m.seq, m.state])).toEqual([
      [1, "inFlight"],
      [2, "inFlight"],
    ]);
    expect((await inspector.list({ state: "pending" })).messages.map((m) => m.seq)).toEqual([
      3, 4, 5,
    ]);
    expect((await inspector.status(queued[0]!.id)).state).toBe("inFlight");
    held.release();
    await producer.flush();
    expect(await inspector.list({ state: "inFlight" })).toEqual({ messages: [] });
    expect(await inspector.list({ state: "pending" })).toEqual({ messages: [] });
    producer.close();
  });

  it("pages pending messages oldest first and acknowledged ones newest first", async () => {
    const { producer, inspector } = await setUp({ batchSize: 3 });
    // Five sends, five log records of 1, 2, 3, 4 and 5 messages: pages cut across records.
    for (let n = 1; n <= 5; n++)
      await producer.send(Array.from({ length: n }, (_, i) => ({ body: { n, i } })));
    const seqs: number[] = [];
    let cursor: number | undefined;
    do {
      const page = await inspector.list({ state: "pending", limit: 4, cursor });
      expect(page.messages.length).toBeLessThanOrEqual(4);
      seqs.push(...page.messages.map((m) => m.seq));
      cursor = page.next;
    } while (cursor !== undefined);
    expect(seqs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));

    producer.start();
    await producer.flush();
    const acked: number[] = [];
    cursor = undefined;
    do {
      const page = await inspector.list({ state: "acknowledged", limit: 4, cursor });
      acked.push(...page.messages.map((m) => m.seq));
      cursor = page.next;
    } while (cursor !== undefined);
    expect(acked).toEqual(Array.from({ length: 15 }, (_, i) => 15 - i));
    producer.close();
  });

  it("keeps the answers of about the latest keepAcknowledged seqs only", async () => {
    const { producer, inspector } = await setUp({ batchSize: 2, keepAcknowledged: 4 });
    const queued = await producer.send(Array.from({ length: 10 }, (_, i) => ({ body: i })));
    producer.start();
    await producer.flush();
    const kept = (await inspector.list({ state: "acknowledged", limit: 100 })).messages;
    expect(kept.map((m) => m.seq)).toEqual([10, 9, 8, 7]);
    expect((await inspector.status(queued[0]!.id)).state).toBe("forgotten");
    expect((await inspector.status(queued[9]!.id)).state).toBe("acknowledged");
    producer.close();
  });

  it("lists a refused message as a dead letter with the reason, and retries it as a new message", async () => {
    const { producer, inspector } = await setUp();
    const [big] = await producer.send([{ body: "x".repeat(2000), key: "big" }]);
    producer.start();
    await producer.flush();
    const dead = await inspector.list({ state: "deadLetter" });
    expect(dead.messages).toHaveLength(1);
    expect(dead.messages[0]).toMatchObject({
      id: big!.id,
      state: "deadLetter",
      reason: { code: "too_large" },
      options: { key: "big" },
    });
    expect((await inspector.status(big!.id)).state).toBe("deadLetter");

    // Still too large for this broker: the retry is refused again, as a new message.
    const copy = await inspector.retry(big!.id);
    expect(copy.seq).toBe(2);
    expect(copy.id).not.toBe(big!.id);
    expect((await inspector.status(big!.id)).state).toBe("forgotten");
    await expect(inspector.retry(big!.id)).rejects.toMatchObject({ code: "not_found" });
    await producer.flush();
    expect((await inspector.status(copy.id)).state).toBe("deadLetter");
    expect(await inspector.discard(copy.id)).toBe(true);
    expect(await inspector.discard(copy.id)).toBe(false);
    expect(await inspector.list({ state: "deadLetter" })).toEqual({ messages: [] });
    producer.close();
  });

  it("delivers a retried dead letter once the broker takes it", async () => {
    const { producer, inspector, broker } = await setUp();
    const [big] = await producer.send([{ body: "x".repeat(2000) }]);
    producer.start();
    await producer.flush();
    expect((await inspector.status(big!.id)).state).toBe("deadLetter");
    await broker.updateTopic("orders", { maxMessageBytes: 4000 });
    const copy = await inspector.retry(big!.id);
    await producer.flush();
    const status = await inspector.status(copy.id);
    expect(status).toMatchObject({ state: "acknowledged", answer: { status: "stored" } });
    expect((await broker.getMessage("orders", status.answer!.msgId!)).body).toBe("x".repeat(2000));
    producer.close();
  });

  it("refuses a bad page request with invalid_request", async () => {
    const { inspector, producer } = await setUp();
    for (const options of [
      { state: "pending", limit: 0 },
      { state: "pending", limit: 1001 },
      { state: "pending", cursor: -1 },
      { state: "everything" },
    ] as const)
      await expect(
        inspector.list(options as unknown as Parameters<typeof inspector.list>[0]),
      ).rejects.toBeInstanceOf(EdgeqError);
    producer.close();
  });
});
