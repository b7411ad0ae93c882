import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { Broker } from "../engine/broker.js";
import type { Message } from "../model.js";
import { MemoryStorage, openMemoryStore } from "../store/memory-store.js";
import { type LocalGroupOptions, LocalGroupTransport } from "./local-group.js";
import { LocalTransport } from "./local-transport.js";
import { PushConsumer } from "./push-consumer.js";
import { fastSleep } from "./test-support.js";

/** One remote broker, and per consumer a local group over its own store and clock. */
async function setup() {
  const remote = await Broker.open({ store: await openMemoryStore(), clock: new ManualClock() });
  await remote.createTopic("t", { queueCount: 2 });
  const consumerOf = async (
    handler: (m: Message) => void,
    storage = new MemoryStorage(),
    retries: Omit<LocalGroupOptions, "clock"> = {},
  ) => {
    const clock = new ManualClock();
    const transport = await LocalGroupTransport.open(
      new LocalTransport(remote),
      await openMemoryStore({ storage }),
      { clock, ...retries },
    );
    const consumer = new PushConsumer(transport, {
      topic: "t",
      group: "inbox",
      handler: async (m) => handler(m),
      pollWaitMs: 0,
      retryPollIntervalMs: 1,
      sleep: fastSleep(),
      clock,
      onError: () => undefined,
    });
    await consumer.start();
    return { consumer, transport, clock, storage };
  };
  return { remote, consumerOf };
}

describe("LocalGroupTransport: a consumer's group kept in its own store", () => {
  it("retries a failed message in the consumer that failed it, never in another one with the same group name", async () => {
    const { remote, consumerOf } = await setup();
    await remote.send("t", {
      messages: [
        { body: "poison", key: "p" },
        { body: "fine", key: "f" },
      ],
    });
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    let failures = 0;
    const a = await consumerOf((m) => {
      seenByA.push(`${m.body}:${m.reconsumeTimes}`);
      if (m.body === "poison" && failures++ < 2) throw new Error("handler failed");
    });
    const b = await consumerOf((m) => {
      seenByB.push(`${m.body}:${m.reconsumeTimes}`);
    });
    await expect
      .poll(() => ({ seenByA, seenByB: seenByB.length }))
      .toMatchObject({ seenByA: expect.arrayContaining(["poison:0"]), seenByB: 2 });
    // Retries wait the local schedule (10 s, then 30 s) on A's own clock.
    await expect
      .poll(async () => {
        a.clock.advance(30_000);
        await a.transport.tick();
        return seenByA;
      })
      .toContain("poison:2");
    await a.consumer.close();
    await b.consumer.close();
    expect(seenByA.filter((s) => s.startsWith("poison")).sort()).toEqual([
      "poison:0",
      "poison:1",
      "poison:2",
    ]);
    expect(seenByB.sort()).toEqual(["fine:0", "poison:0"]);
    // Nothing of A's failures reached the broker's own retry queue of the group.
    expect((await remote.stats("t")).groups.inbox).toBeUndefined();
  });

  it("dead-letters locally past maxReconsumeTimes, lists the original message, and redrives it", async () => {
    const { remote, consumerOf } = await setup();
    const [sent] = await remote.send("t", { messages: [{ body: { bad: true } }] });
    let fail = true;
    const handled: unknown[] = [];
    const c = await consumerOf((m) => {
      if (fail) throw new Error("always");
      handled.push(m.body);
    });
    await expect
      .poll(async () => {
        c.clock.advance(2 * 60 * 60 * 1000);
        await c.transport.tick();
        return (await c.transport.listDeadLetters("t", "inbox")).length;
      })
      .toBe(1);
    const [dead] = await c.transport.listDeadLetters("t", "inbox");
    expect(dead?.message).toMatchObject({
      msgId: sent?.msgId,
      body: { bad: true },
      reconsumeTimes: 16,
    });
    fail = false;
    expect(await c.transport.redrive("t", "inbox", { msgIds: [sent!.msgId!] })).toBe(1);
    await expect
      .poll(async () => {
        c.clock.advance(10_000);
        await c.transport.tick();
        return handled.length;
      })
      .toBeGreaterThan(0);
    expect(handled).toEqual([{ bad: true }]);
    await c.consumer.close();
  });

  it("takes its retry schedule and maxReconsumeTimes from its options, also when reopened with new ones", async () => {
    const { remote, consumerOf } = await setup();
    await remote.send("t", { messages: [{ body: "bad" }] });
    const storage = new MemoryStorage();
    const seen: number[] = [];
    const fail = (m: Message) => {
      seen.push(m.reconsumeTimes);
      throw new Error("always");
    };
    // First session, default settings: one failure, then a 10 s wait on its clock.
    const first = await consumerOf(fail, storage);
    await expect.poll(() => seen.length).toBe(1);
    await first.consumer.close();
    await first.transport.close();
    // Reopened with two retries and no delay: past the scheduled 10 s, no more waiting.
    const second = await consumerOf(fail, storage, { maxReconsumeTimes: 2, retrySchedule: [0] });
    second.clock.advance(10_000);
    await second.transport.tick();
    await expect
      .poll(async () => (await second.transport.listDeadLetters("t", "inbox")).length)
      .toBeGreaterThan(0);
    const [dead] = await second.transport.listDeadLetters("t", "inbox");
    expect(dead?.message.reconsumeTimes).toBe(2);
    expect(seen).toEqual([0, 1, 2]);
    await second.consumer.close();
    await expect(
      LocalGroupTransport.open(new LocalTransport(remote), await openMemoryStore(), {
        maxReconsumeTimes: 0,
      }),
    ).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("keeps committed offsets in the local store across a restart", async () => {
    const { remote, consumerOf } = await setup();
    await remote.send("t", { messages: [{ body: 1, key: "k" }] });
    const storage = new MemoryStorage();
    const first = await consumerOf(() => undefined, storage);
    await expect.poll(() => first.consumer.stats().processed).toBe(1);
    await first.consumer.close();
    await first.transport.close();
    const handled: unknown[] = [];
    await remote.send("t", { messages: [{ body: 2, key: "k" }] });
    const second = await consumerOf((m) => handled.push(m.body), storage);
    await expect.poll(() => handled.length).toBeGreaterThan(0);
    expect(handled).toEqual([2]);
    await second.consumer.close();
  });
});
