import { describe, expect, it } from "vitest";
import { ManualClock } from "../../clock.js";
import { Broker } from "../../engine/broker.js";
import { openMemoryStore } from "../../store/memory-store.js";
import { LocalTransport } from "../local-transport.js";
import { FaultyTransport } from "../test-support.js";
import { DurableProducer, type DurableProducerOptions } from "./durable-producer.js";
import type { LocalDeadLetter } from "./log-records.js";
import { inspectProducer } from "./producer-inspector.js";

/** A real broker in process, and a producer on its own clock (the time a message waits). */
async function setUp(options: Partial<DurableProducerOptions> = {}) {
  const broker = await Broker.open({
    store: await openMemoryStore(),
    clock: new ManualClock(),
    autoTick: false,
  });
  await broker.createTopic("orders", { queueCount: 1 });
  const transport = new FaultyTransport(new LocalTransport(broker));
  const clock = new ManualClock();
  const dead: LocalDeadLetter[] = [];
  let online = true;
  const producer = await DurableProducer.open(await openMemoryStore(), {
    topic: "orders",
    transport,
    clock,
    backoff: { baseMs: 1, maxMs: 5 },
    syncIntervalMs: 60_000,
    isOnline: () => online,
    hooks: { deadLettered: (d) => dead.push(d) },
    ...options,
  });
  const messages = async () => (await broker.read("orders", 0, { from: 0, limit: 100 })).messages;
  const stored = async () => (await messages()).map((m) => m.body);
  return {
    producer,
    clock,
    dead,
    transport,
    stored,
    messages,
    setOnline: (o: boolean) => (online = o),
  };
}

describe("message expiry in a durable producer", () => {
  it("never sends a message past the producer's maxRetentionMs: it becomes a dead letter `expired`", async () => {
    const { producer, clock, dead, transport, stored, messages } = await setUp({
      maxRetentionMs: 1_000,
    });
    const [first] = await producer.send([{ body: "late" }, { body: "later" }]);
    clock.advance(1_000);
    const [fresh] = await producer.send([{ body: "fresh" }]);
    producer.start();
    await producer.flush();

    expect(await stored()).toEqual(["fresh"]);
    // The broker gets the expiry too, and honours it (docs/protocol.md, Message expiry).
    expect((await messages())[0]?.expiresAt).toBe(fresh!.queuedAt + 1_000);
    expect(dead.map((d) => [d.body, d.reason.code])).toEqual([
      ["late", "expired"],
      ["later", "expired"],
    ]);
    // Visible like any dead letter, never silently dropped.
    expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 1, deadLetters: 2 });
    const inspector = inspectProducer(producer);
    expect(await inspector.status(first!.id)).toMatchObject({
      state: "deadLetter",
      reason: { code: "expired" },
    });
    expect((await inspector.status(fresh!.id)).state).toBe("acknowledged");
    // Only the fresh one went out, in one request.
    expect(transport.calls.filter((c) => c === "send")).toHaveLength(1);
    producer.close();
  });

  it("lets a message's own maxRetentionMs override the producer's, in seq order", async () => {
    const { producer, clock, dead, stored } = await setUp({ maxRetentionMs: 60_000 });
    await producer.send([
      { body: "a" },
      { body: "b", maxRetentionMs: 10 },
      { body: "c" },
      { body: "d", maxRetentionMs: 120_000 },
    ]);
    clock.advance(61_000);
    await producer.send([{ body: "e", maxRetentionMs: 10 }]);
    producer.start();
    await producer.flush();
    expect(await stored()).toEqual(["d", "e"]);
    expect(dead.map((d) => d.body)).toEqual(["a", "b", "c"]);
    // The dead letter keeps the message's own option: a retry gets a new window.
    expect(dead[1]!.options).toEqual({ maxRetentionMs: 10 });
    producer.close();
  });

  it("sends what is still fresh and stops the batch before an expired one", async () => {
    const { producer, clock, dead, transport, stored } = await setUp();
    await producer.send([{ body: "a" }, { body: "b", maxRetentionMs: 500 }, { body: "c" }]);
    clock.advance(500);
    producer.start();
    await producer.flush();
    expect(await stored()).toEqual(["a", "c"]);
    expect(dead.map((d) => d.body)).toEqual(["b"]);
    const sent = transport.forwarded.map((f) =>
      (f.args[1] as { messages: { body: string }[] }).messages.map((m) => m.body),
    );
    expect(sent).toEqual([["a"], ["c"]]);
    // The broker never hears of the producer's own option, only of the expiry it sets.
    expect(JSON.stringify(transport.forwarded)).not.toContain("maxRetentionMs");
    expect(JSON.stringify(transport.forwarded)).not.toContain("expiresAt");
    producer.close();
  });

  it("expires while offline, without the network", async () => {
    const { producer, clock, dead, transport, setOnline } = await setUp({ maxRetentionMs: 1_000 });
    setOnline(false);
    await producer.send([{ body: "offline" }]);
    producer.start();
    clock.advance(1_000);
    producer.wake(true);
    await expect.poll(() => dead.length).toBe(1);
    expect(dead[0]!.reason.code).toBe("expired");
    expect(transport.calls).toEqual([]);
    producer.close();
  });

  it("refuses a retention that is not a positive whole number of ms", async () => {
    const { producer } = await setUp();
    await expect(producer.send([{ body: "x", maxRetentionMs: 0 }])).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(setUp({ maxRetentionMs: -5 })).rejects.toMatchObject({ code: "invalid_request" });
    expect(await producer.stats()).toMatchObject({ pending: 0 });
    producer.close();
  });
});
